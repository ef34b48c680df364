// A request's deadline as the `signal` undici's request() takes. undici accepts an EventEmitter-like signal
// (`on`/`once`/`removeListener`, `aborted`, `reason`) as well as an AbortSignal; an AbortController per request,
// its EventTarget and the listener undici adds and removes on it cost ~15-20 us of CPU per request (measured:
// 5,000 GETs of a contact's companies from the sandbox, raw undici 51-59 us/request, 70-83 with an
// AbortController), and the users' follow-up requests make one request per ~11 contacts.

type Listener = () => void;

/** Aborts the request it is given to when `expire()` is called (by the request's timer). */
export class Deadline {
  aborted = false;
  reason: Error | undefined = undefined;
  private listeners: Listener[] = [];

  on(event: string, listener: Listener): this {
    if (event === 'abort') this.listeners.push(listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(event: string, listener: Listener): this {
    if (event === 'abort') {
      const at = this.listeners.indexOf(listener);
      if (at !== -1) this.listeners.splice(at, 1);
    }
    return this;
  }

  /** The request is aborted: every listener is called once (with no reason, undici's RequestAbortedError). */
  expire(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}
