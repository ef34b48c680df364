import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamDefinitions } from '../../src/intercom/catalog.js';
import { deriveChildStreams } from '../../src/normalize/children.js';
import { MAX_STREAM_NAME_LENGTH, StreamNames, initials, streamName } from '../../src/normalize/names.js';

test('every discovered stream name is at most 63 characters and unique', () => {
  const names = streamDefinitions().map((d) => d.name);
  assert.ok(names.length > 20);
  for (const name of names) assert.ok(name.length <= MAX_STREAM_NAME_LENGTH, `${name} has ${name.length} characters`);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes('conversations__parts__emm__email_address_headers'));
  assert.ok(names.includes('conversations__parts__attachments'), 'names that fit are left alone');
});

test('the rule: names that fit are unchanged; the longest intermediate segment is shortened first, to its initials', () => {
  assert.equal(streamName(['users', 'tags']), 'users__tags');
  assert.equal(initials('email_message_metadata'), 'emm');
  assert.equal(initials('parts'), 'p');
  assert.equal(streamName(['conversations', 'parts', 'email_message_metadata', 'email_address_headers']),
    'conversations__parts__emm__email_address_headers');
  // Still too long after the longest: the next longest goes too; the first and last segments never change.
  const long = ['a_very_long_top_level_stream', 'first_child_name', 'inner_object_name', 'the_last_segment_here'];
  const name = streamName(long);
  assert.equal(name, 'a_very_long_top_level_stream__fcn__ion__the_last_segment_here');
  assert.ok(name.length <= MAX_STREAM_NAME_LENGTH);
  assert.throws(() => streamName(['x'.repeat(40), 'y', 'z'.repeat(40)]), /cannot be brought to 63 characters/);
});

test('a collision between two derived names fails loudly, naming both', () => {
  const names = new StreamNames();
  names.add('conversations__parts__emm__email_address_headers', 'conversations__parts__email_message_metadata__email_address_headers');
  assert.throws(() => names.add('conversations__parts__emm__email_address_headers', 'conversations__parts__every_mail_message__email_address_headers'),
    /two streams would both be named 'conversations__parts__emm__email_address_headers'.*email_message_metadata.*every_mail_message/);
  // Derivation applies the check: two arrays whose shortened names meet.
  const element = (inner: Record<string, unknown>) => ({ type: 'object', properties: inner });
  const arrayOf = (items: unknown) => ({ type: ['null', 'array'], items });
  const deep = arrayOf(element({ x: arrayOf({ type: 'string' }) }));
  const schema = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      items: arrayOf(element({
        email_message_metadata_headers_and_more: element({ addresses_of_every_kind_here: deep }),
        every_mail_mode_handler_and_more: element({ addresses_of_every_kind_here: deep }),
      })),
    },
  };
  assert.throws(() => deriveChildStreams({ name: 'conversations', jsonSchema: schema, primaryKey: 'id' }, [{ name: 'items', path: ['items'] }]),
    /two streams would both be named/);
});
