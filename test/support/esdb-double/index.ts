/**
 * A small in-memory stand-in for an EventStoreDB node, served over real gRPC with the service
 * definitions that `@eventstore/db-client` ships, so the Arrears EventStoreDB adapter can be tested
 * end to end (client serialisation, error mapping, streaming) without a server. Test support only.
 *
 * Streams.Read    stream reads (both directions, revision bounds, count, StreamNotFound);
 *                 $all reads (from start/end/position, inclusive forwards, exclusive backwards,
 *                 optional filter); $all subscriptions (confirmation, catch-up, CaughtUp, live,
 *                 server-side filters with checkpoints every multiplier x window events).
 * Streams.Append  expected revision checks with WrongExpectedVersion details, idempotent retries.
 * ServerFeatures  lists Read and Append only, so the client never uses BatchAppend.
 * Tests may also edit or delete a stored event in place (`tamper`), which no server allows, and
 * take the node away and bring it back on the same port with the same log (`goDown`, `comeBack`),
 * as a client sees a failover to another node of a cluster (leader election is not imitated).
 * Everything else (Delete, Tombstone, BatchAppend, stream subscriptions, other services) answers
 * UNIMPLEMENTED.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type { AppendReq, AppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import type { Empty } from '@eventstore/db-client/generated/shared_pb.js';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb.js';
import { EventLog, type Expected, type LogPosition, type ProposedEvent, type StoredEvent } from './log.js';

export interface EsdbDoubleOptions {
  /** Log position of the first event (default 1024); use values above 2^53 to test 64-bit handling. */
  readonly startPosition?: bigint;
}

export interface EsdbDouble {
  /** Connection string for `EventStoreDBClient.connectionString`. */
  readonly url: string;
  /** Ends every open subscription with UNAVAILABLE, as a node going away would. */
  dropSubscriptions(): void;
  /** Writes events straight into the log (e.g. `$`-prefixed system events), bypassing gRPC. */
  inject(streamId: string, type: string, data?: unknown): void;
  /**
   * Edits a stored event's data in place, or deletes the event, bypassing the server's rules (a
   * real node offers neither): for tamper-evidence tests. False when there is no such event.
   */
  tamper(streamId: string, revision: number, change: { readonly data: unknown } | 'delete'): boolean;
  /**
   * Takes the node away as a failover would: every open call ends with UNAVAILABLE and the port
   * stops answering until `comeBack`, which serves the same log on the same port again.
   */
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  stop(): Promise<void>;
}

const { ReadResp: ReadRespMsg, AppendResp: AppendRespMsg } = streamsPb;
const { ReadReq: ReadReqMsg } = streamsPb;
const STREAMS_SERVICE = 'event_store.client.streams.Streams';
/** The server's default filter search window; checkpoints come every multiplier x window events. */
const DEFAULT_WINDOW = 32;

/**
 * Each stored event's Read response is built and serialised once, however many reads and
 * subscriptions send it (a real node also serves hot events from its caches): the Streams service
 * definition with a serialiser that remembers its output per message. An edited event is a new
 * StoredEvent, so it gets a response of its own.
 */
const responses = new WeakMap<StoredEvent, ReadResp>();
const serialized = new WeakMap<ReadResp, Buffer>();
const STREAMS_SERVICE_CACHED = {
  ...streamsGrpc.StreamsService,
  read: {
    ...streamsGrpc.StreamsService.read,
    responseSerialize: (message: ReadResp): Buffer => {
      let bytes = serialized.get(message);
      if (!bytes) {
        bytes = streamsGrpc.StreamsService.read.responseSerialize(message);
        serialized.set(message, bytes);
      }
      return bytes;
    },
  },
};

type Predicate = (e: StoredEvent) => boolean;

interface Filtering {
  readonly matches: Predicate;
  readonly checkpointInterval: number;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  // A real server's log starts with its own system records, so no user event sits at position 0/0
  // (which the app treats as "before everything"); the double starts past it likewise.
  const log = new EventLog(options.startPosition ?? 1024n);
  const subscriptions = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();
  let server: grpc.Server | undefined;
  const handlers = {
    read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => read(call),
    append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => append(call, callback),
    getSupportedMethods: (_call: grpc.ServerUnaryCall<Empty, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) => {
      const supported = new featuresPb.SupportedMethods();
      supported.setEventStoreServerVersion('24.10.0');
      for (const name of ['Read', 'Append']) {
        const method = new featuresPb.SupportedMethod();
        method.setServiceName(STREAMS_SERVICE);
        method.setMethodName(name);
        supported.addMethods(method);
      }
      callback(null, supported);
    },
  };

  const serve = (at: number) => {
    const next = new grpc.Server();
    next.addService(STREAMS_SERVICE_CACHED, { read: handlers.read, append: handlers.append });
    next.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods: handlers.getSupportedMethods });
    return new Promise<number>((resolve, reject) =>
      next.bindAsync(`127.0.0.1:${at}`, grpc.ServerCredentials.createInsecure(), (err, p) => {
        if (err) return reject(err);
        server = next;
        resolve(p);
      }),
    );
  };
  const port = await serve(0);
  let down = false;

  function read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return fail(call, grpc.status.INVALID_ARGUMENT, 'read options are required');
    let filtering: Filtering | undefined;
    try {
      filtering = options.hasFilter() ? compileFilter(options.getFilter()!) : undefined;
    } catch (err) {
      return fail(call, grpc.status.INVALID_ARGUMENT, (err as Error).message);
    }
    const subscription = options.getCountOptionCase() === ReadReqMsg.Options.CountOptionCase.SUBSCRIPTION;
    const backwards = options.getReadDirection() === ReadReqMsg.Options.ReadDirection.BACKWARDS;
    if (options.hasStream()) {
      if (subscription) return fail(call, grpc.status.UNIMPLEMENTED, 'stream subscriptions are not implemented by the double');
      return readStream(call, options.getStream()!, BigInt(options.getCount()), backwards);
    }
    if (!options.hasAll()) return fail(call, grpc.status.INVALID_ARGUMENT, 'stream or $all is required');
    const all = options.getAll()!;
    if (subscription) return subscribeToAll(call, all, filtering);
    return readAll(call, all, BigInt(options.getCount()), backwards, filtering?.matches);
  }

  function readStream(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    stream: InstanceType<typeof ReadReqMsg.Options.StreamOptions>,
    count: bigint,
    backwards: boolean,
  ): void {
    const identifier = stream.getStreamIdentifier();
    const name = identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
    const events = log.stream(name);
    if (!events || events.length === 0) {
      const notFound = new ReadRespMsg.StreamNotFound();
      notFound.setStreamIdentifier(identifier);
      const resp = new ReadRespMsg();
      resp.setStreamNotFound(notFound);
      call.write(resp);
      call.end();
      return;
    }
    const last = events[events.length - 1].revision;
    let from: bigint;
    if (stream.hasRevision()) from = BigInt(stream.getRevision());
    else if (stream.hasEnd()) from = backwards ? last : last + 1n;
    else from = 0n;
    const selected = backwards ? events.filter((e) => e.revision <= from).reverse() : events.filter((e) => e.revision >= from);
    for (const e of take(selected, count)) call.write(eventResp(e));
    call.end();
  }

  function readAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    all: InstanceType<typeof ReadReqMsg.Options.AllOptions>,
    count: bigint,
    backwards: boolean,
    matches: Predicate | undefined,
  ): void {
    const out: StoredEvent[] = [];
    if (backwards) {
      // Backwards reads return the events before the given position.
      let i = all.hasEnd() ? log.all.length - 1 : all.hasStart() ? -1 : log.indexFrom(positionOf(all.getPosition()!), true) - 1;
      for (; i >= 0 && BigInt(out.length) < count; i--) if (!log.all[i].deleted && (!matches || matches(log.all[i]))) out.push(log.all[i]);
    } else {
      // Forwards reads include the event at the given position.
      let i = all.hasStart() ? 0 : all.hasEnd() ? log.all.length : log.indexFrom(positionOf(all.getPosition()!), true);
      for (; i < log.all.length && BigInt(out.length) < count; i++) if (!log.all[i].deleted && (!matches || matches(log.all[i]))) out.push(log.all[i]);
    }
    for (const e of out) call.write(eventResp(e));
    call.end();
  }

  function subscribeToAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    all: InstanceType<typeof ReadReqMsg.Options.AllOptions>,
    filtering: Filtering | undefined,
  ): void {
    // Subscriptions start after (exclusive) the given position.
    let cursor = all.hasStart() ? 0 : all.hasEnd() ? log.all.length : log.indexFrom(positionOf(all.getPosition()!), false);
    let closed = false;
    let pumping = false;
    let caughtUpSent = false;
    let scanned = 0;

    const confirmation = new ReadRespMsg.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirm = new ReadRespMsg();
    confirm.setConfirmation(confirmation);
    call.write(confirm);

    const pump = async (): Promise<void> => {
      if (pumping || closed) return;
      pumping = true;
      try {
        while (!closed && cursor < log.all.length) {
          const e = log.all[cursor++];
          let writable = true;
          if (!e.deleted && (!filtering || filtering.matches(e))) writable = call.write(eventResp(e));
          if (filtering && ++scanned >= filtering.checkpointInterval) {
            scanned = 0;
            writable = call.write(checkpointResp(e)) && writable;
          }
          if (!writable) await drained(call);
        }
        if (!closed && !caughtUpSent) {
          caughtUpSent = true;
          const resp = new ReadRespMsg();
          resp.setCaughtUp(new ReadRespMsg.CaughtUp());
          call.write(resp);
        }
      } finally {
        pumping = false;
      }
    };
    const unsubscribe = log.onAppend(() => void pump());
    const cleanup = () => {
      closed = true;
      unsubscribe();
      subscriptions.delete(call);
    };
    call.on('cancelled', cleanup);
    call.on('close', cleanup);
    call.on('error', cleanup);
    subscriptions.add(call);
    void pump();
  }

  function append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    let options: InstanceType<typeof streamsPb.AppendReq.Options> | undefined;
    const proposed: ProposedEvent[] = [];
    let failed = false;
    const reject = (code: grpc.status, details: string) => {
      if (failed) return;
      failed = true;
      callback({ code, details, name: 'Error', message: details });
    };
    call.on('data', (req: AppendReq) => {
      if (req.hasOptions()) options = req.getOptions();
      else if (req.hasProposedMessage()) {
        const msg = req.getProposedMessage()!;
        const id = msg.getId();
        if (!id?.hasString()) return reject(grpc.status.INVALID_ARGUMENT, 'the double only accepts string event ids');
        const metadata = msg.getMetadataMap();
        proposed.push({
          id: id.getString(),
          type: metadata.get('type') ?? '',
          contentType: metadata.get('content-type') ?? 'application/octet-stream',
          data: msg.getData_asU8(),
          customMetadata: msg.getCustomMetadata_asU8(),
        });
      }
    });
    call.on('error', () => (failed = true));
    call.on('end', () => {
      if (failed) return;
      if (!options) return reject(grpc.status.INVALID_ARGUMENT, 'append options are required');
      const identifier = options.getStreamIdentifier();
      const streamId = identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
      const outcome = log.append(streamId, expectedOf(options), proposed);
      const resp = new AppendRespMsg();
      if (outcome.ok) {
        const success = new AppendRespMsg.Success();
        if (outcome.currentRevision < 0n) success.setNoStream(new sharedPb.Empty());
        else success.setCurrentRevision(String(outcome.currentRevision));
        if (outcome.commit < 0n) success.setNoPosition(new sharedPb.Empty());
        else {
          const position = new AppendRespMsg.Position();
          position.setCommitPosition(String(outcome.commit));
          position.setPreparePosition(String(outcome.prepare));
          success.setPosition(position);
        }
        resp.setSuccess(success);
      } else {
        const wrong = new AppendRespMsg.WrongExpectedVersion();
        if (outcome.currentRevision === null) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(String(outcome.currentRevision));
        const expected = outcome.expected;
        if (expected.kind === 'revision') wrong.setExpectedRevision(String(expected.revision));
        else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
        else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
        else wrong.setExpectedAny(new sharedPb.Empty());
        resp.setWrongExpectedVersion(wrong);
      }
      callback(null, resp);
    });
  }

  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    dropSubscriptions() {
      for (const call of [...subscriptions]) fail(call, grpc.status.UNAVAILABLE, 'subscription dropped by the double');
    },
    inject(streamId, type, data = {}) {
      const current = log.stream(streamId);
      const expected: Expected = current?.length ? { kind: 'revision', revision: current[current.length - 1].revision } : { kind: 'no_stream' };
      log.append(streamId, expected, [
        { id: randomUUID(), type, contentType: 'application/json', data: Buffer.from(JSON.stringify(data)), customMetadata: new Uint8Array() },
      ]);
    },
    tamper(streamId, revision, change) {
      return log.tamper(streamId, BigInt(revision), change === 'delete' ? 'delete' : { data: Buffer.from(JSON.stringify(change.data)) });
    },
    async goDown() {
      if (down) return;
      down = true;
      for (const call of [...subscriptions]) fail(call, grpc.status.UNAVAILABLE, 'node going away');
      server?.forceShutdown();
    },
    async comeBack() {
      if (!down) return;
      await serve(port);
      down = false;
    },
    async stop() {
      for (const call of [...subscriptions]) fail(call, grpc.status.UNAVAILABLE, 'server stopping');
      server?.forceShutdown();
    },
  };
}

function fail(call: grpc.ServerWritableStream<ReadReq, ReadResp>, code: grpc.status, details: string): void {
  call.emit('error', { code, details });
}

function drained(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}

function* take<T>(items: readonly T[], count: bigint): Generator<T> {
  let n = 0n;
  for (const item of items) {
    if (n++ >= count) return;
    yield item;
  }
}

function positionOf(p: InstanceType<typeof ReadReqMsg.Options.Position>): LogPosition {
  return { commit: BigInt(p.getCommitPosition()), prepare: BigInt(p.getPreparePosition()) };
}

function expectedOf(options: InstanceType<typeof streamsPb.AppendReq.Options>): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function compileFilter(filter: InstanceType<typeof ReadReqMsg.Options.FilterOptions>): Filtering {
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) throw new Error('a filter needs a stream-name or event-type expression');
  const regex = expression.getRegex();
  const prefixes = expression.getPrefixList();
  let test: (value: string) => boolean;
  if (regex) {
    const re = new RegExp(regex);
    test = (value) => re.test(value);
  } else {
    test = (value) => prefixes.some((p) => value.startsWith(p));
  }
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_WINDOW;
  return {
    matches: (e) => test(onStream ? e.streamId : e.type),
    checkpointInterval: Math.max(1, filter.getCheckpointintervalmultiplier() * window),
  };
}

function eventResp(e: StoredEvent): ReadResp {
  let resp = responses.get(e);
  if (!resp) {
    resp = buildEventResp(e);
    responses.set(e, resp);
  }
  return resp;
}

function buildEventResp(e: StoredEvent): ReadResp {
  const id = new sharedPb.UUID();
  id.setString(e.id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(e.streamId, 'utf8'));
  const record = new ReadRespMsg.ReadEvent.RecordedEvent();
  record.setId(id);
  record.setStreamIdentifier(identifier);
  record.setStreamRevision(String(e.revision));
  record.setCommitPosition(String(e.commit));
  record.setPreparePosition(String(e.prepare));
  record.getMetadataMap().set('type', e.type).set('content-type', e.contentType).set('created', String(e.created));
  record.setData(e.data);
  record.setCustomMetadata(e.customMetadata);
  const readEvent = new ReadRespMsg.ReadEvent();
  readEvent.setEvent(record);
  readEvent.setCommitPosition(String(e.commit));
  const resp = new ReadRespMsg();
  resp.setEvent(readEvent);
  return resp;
}

function checkpointResp(e: StoredEvent): ReadResp {
  const checkpoint = new ReadRespMsg.Checkpoint();
  checkpoint.setCommitPosition(String(e.commit));
  checkpoint.setPreparePosition(String(e.prepare));
  const resp = new ReadRespMsg();
  resp.setCheckpoint(checkpoint);
  return resp;
}
