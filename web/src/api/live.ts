/**
 * The live event stream (`GET /api/events`) read with fetch, so that the access token travels in the Authorization
 * header as on every other call (an EventSource could only put it in the URL, where logs keep it). One connection
 * per tab, shared by every page that listens; after a drop it reconnects with `Last-Event-ID`, so no event is lost,
 * and drops the repeats a resume may send (by the event's own id).
 */
import { tokenAfter401, validAccessToken } from './session';
import type { LiveEvent } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

type EventListener = (event: LiveEvent) => void;
type StatusListener = (status: LiveStatus) => void;
type ResyncListener = () => void;

const eventListeners = new Set<EventListener>();
const statusListeners = new Set<StatusListener>();
const resyncListeners = new Set<ResyncListener>();
let status: LiveStatus = 'stopped';
let abort: AbortController | null = null;
let lastEventId: string | null = null;
const seen = new Set<number>();
/** Waits between reconnects grow to this. */
const MAX_BACKOFF_MS = 10_000;

function setStatus(next: LiveStatus): void {
  if (status === next) return;
  status = next;
  for (const listener of statusListeners) listener(next);
}

export function liveStatus(): LiveStatus {
  return status;
}

export function onLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

/**
 * Called after the stream came back from a drop. What happened meanwhile is replayed from `Last-Event-ID` when this
 * tab had one; when it had none (nothing had arrived yet), the server starts at its newest event, so listeners reload
 * what they show instead.
 */
export function onLiveResync(listener: ResyncListener): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}

/** Listens to every event the caller may see; the stream opens with the first listener and closes after the last. */
export function onLiveEvent(listener: EventListener): () => void {
  eventListeners.add(listener);
  if (abort === null) start();
  return () => {
    eventListeners.delete(listener);
    if (eventListeners.size === 0) stop();
  };
}

export function stop(): void {
  abort?.abort();
  abort = null;
  setStatus('stopped');
}

function start(): void {
  const controller = new AbortController();
  abort = controller;
  setStatus('connecting');
  void run(controller.signal);
}

async function run(signal: AbortSignal): Promise<void> {
  let backoff = 500;
  let connections = 0;
  while (!signal.aborted) {
    try {
      const opened = await connect(signal, () => {
        if (connections++ > 0) for (const listener of resyncListeners) listener();
      });
      if (opened) backoff = 500;
    } catch {
      // A drop or a network failure: reconnect below.
    }
    if (signal.aborted) return;
    setStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, backoff));
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

/** One connection, read until it ends; true when it was opened. */
async function connect(signal: AbortSignal, onOpen: () => void): Promise<boolean> {
  let token = await validAccessToken();
  const open = (bearer: string | null) =>
    fetch('/api/events', {
      signal,
      headers: {
        accept: 'text/event-stream',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(lastEventId !== null ? { 'last-event-id': lastEventId } : {}),
      },
    });
  let response = await open(token);
  if (response.status === 401) {
    token = await tokenAfter401(token);
    if (token === null) return false;
    response = await open(token);
  }
  if (!response.ok || response.body === null) return false;
  setStatus('live');
  onOpen();
  await read(response.body, signal);
  return true;
}

async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (!signal.aborted) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** One message block: `id:` is where to resume; the data is the event. */
function dispatch(block: string): void {
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') lastEventId = value;
    else if (field === 'data') data += (data ? '\n' : '') + value;
  }
  if (data === '') return;
  let event: LiveEvent;
  try {
    event = JSON.parse(data) as LiveEvent;
  } catch {
    return;
  }
  if (typeof event.id !== 'number' || seen.has(event.id)) return;
  seen.add(event.id);
  // The set only guards against a resume's repeats, which are recent: keep it small.
  if (seen.size > 5000) {
    for (const old of [...seen].slice(0, 2500)) seen.delete(old);
  }
  for (const listener of eventListeners) listener(event);
}
