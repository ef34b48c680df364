// A worker that reads a scripted group (workerData) through MainChannel, for worker-events tests.
import { parentPort, workerData } from 'node:worker_threads';
import { ConnectorError } from '../../src/airbyte/errors.js';
import type { ReadEvent } from '../../src/airbyte/source.js';
import { MainChannel } from '../../src/airbyte/worker-events.js';

interface Script { records: number; checkpointEvery: number; failWith?: 'config_error' | 'crash'; payload: number; secret?: string }

const script = workerData as Script;
const channel = new MainChannel(parentPort!);

async function* events(): AsyncIterable<ReadEvent> {
  for (let i = 0; i < script.records; i++) {
    const counted = await channel.call<number>('count', i);
    yield { type: 'record', stream: i % 2 ? 'odd' : 'even', data: { id: String(i), counted, pad: 'x'.repeat(script.payload), note: script.secret ?? '' } };
    if ((i + 1) % script.checkpointEvery === 0) yield { type: 'checkpoint', stream: 'even', state: { upTo: i } };
  }
  if (script.failWith === 'config_error') throw new ConnectorError('config_error', 'scope read_tags is missing');
  if (script.failWith === 'crash') throw new TypeError('cannot read properties of undefined');
}

await channel.serve(events(), () => 1234);
