/*
 * siemhub plugin ABI, version 1.0 — the only contract between the siemhub host and a plugin.
 *
 * Pure C (C99 and later, C++ compatible), no dependency beyond <stdint.h> and <stddef.h>.
 *
 * FROZEN AT 1.0. Later versions may only APPEND: new fields go at the end of a struct (the
 * host reads only the fields that fit in the plugin's `struct_size`, and a plugin reads only the
 * fields that fit in the host's), new functions go at the end of a table, new enum values are
 * added with new numbers. Nothing is reordered, resized or removed. A change of threading or
 * ownership semantics bumps SIEMHUB_ABI_MAJOR. (Lessons: Falco's mid-struct insertion in API
 * 3.10 and its semantic 2.0 bump; see docs/plugin-guide.md.)
 *
 * Version rule: the host loads a plugin when plugin major == host major and plugin minor <=
 * host minor. The plugin's major, minor, id and version are also written into an ELF note
 * (section ".note.siemhub") by SIEMHUB_PLUGIN_NOTE, which the host reads from the file BEFORE
 * dlopen, so an incompatible library is refused without running any of its code.
 *
 * ------------------------------------------------------------------------------------------
 * OWNERSHIP (the names say it):
 *   - Everything the host passes in (config, cursors, batches, requests, responses, statuses) is
 *     BORROWED for the duration of the call or callback. Copy what you keep.
 *   - Everything the plugin returns by pointer (descriptor, schema and manifest strings, vtables)
 *     is owned by the plugin and must stay valid until `shutdown` returns (static storage is the
 *     normal case). Strings returned from a call (none in v1.0) live until the next call on the
 *     same instance.
 *   - Host services that take data (emit, op_set_cursor, op_set_result, kv_put, ...) COPY it
 *     before returning; the plugin may free or reuse its buffers at once.
 *   - `siemhub_status` out-parameters are host-allocated, zeroed, and valid only during the call.
 *
 * THREADING:
 *   - The host owns every thread. All calls into one instance (start, stop, poll, write, lookup,
 *     execute, status, pause, resume, health) and every callback for that instance (HTTP
 *     completion, timer, emit completion, blocking-work completion) run serialised on that
 *     instance's strand: never two at once for one instance, though not always on the same OS
 *     thread. Different instances run concurrently. `init`/`shutdown` run once, alone.
 *   - A plugin must not block a host thread on I/O: use `http_request` (async, on the host's
 *     libcurl) or hand blocking vendor code to `run_blocking`.
 *   - Threads a plugin starts itself may call only `log`, `emit` (with a completion callback or
 *     none) and `now_ms`; they must be joined in `stop`.
 *
 * ASYNCHRONOUS OPERATIONS: poll, write, lookup, execute and status receive a `siemhub_op*`. The
 * plugin either finishes at once (returns SIEMHUB_RC_OK or SIEMHUB_RC_ERROR with `st` filled) or
 * returns SIEMHUB_RC_PENDING and later calls `op_complete(op, status)` exactly once, from its
 * strand (typically inside an HTTP completion). Results attached to an op (events, cursor,
 * per-event results, lookup results, action result) are set with the op_* services before the
 * op completes. The op handle is valid until completion. `op_is_cancelled` turns true when the
 * host no longer wants the result (deadline passed, shutting down): finish quickly.
 *
 * ERRORS: every fallible call returns a siemhub_rc and fills a siemhub_status with a category
 * (what the host should do about it) and, for rate limits and busy peers, `retry_after_ms`.
 * Retries, backoff and circuit breaking are the HOST's job: report, don't loop.
 */
#ifndef SIEMHUB_PLUGIN_H
#define SIEMHUB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===================================== versions ===================================== */

#define SIEMHUB_ABI_MAJOR 1
#define SIEMHUB_ABI_MINOR 0
/** Packed ABI version passed to the entry point: major << 16 | minor. */
#define SIEMHUB_ABI_VERSION ((uint32_t)((SIEMHUB_ABI_MAJOR << 16) | SIEMHUB_ABI_MINOR))

/** Name of the exported entry symbol (the only symbol a plugin exports). */
#define SIEMHUB_ENTRY_SYMBOL "siemhub_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define SIEMHUB_EXPORT __attribute__((visibility("default")))
#else
#define SIEMHUB_EXPORT
#endif
#ifdef __cplusplus
#define SIEMHUB_EXTERN_C extern "C"
#else
#define SIEMHUB_EXTERN_C
#endif

/* ================================= status and errors ================================= */

/** Return code of every fallible call. */
typedef int32_t siemhub_rc;
#define SIEMHUB_RC_OK 0            /**< done, succeeded */
#define SIEMHUB_RC_ERROR 1         /**< done, failed: details in the siemhub_status */
#define SIEMHUB_RC_PENDING 2       /**< accepted; completes later through op_complete */
#define SIEMHUB_RC_BUSY 3          /**< refused for backpressure; try again after retry_after_ms */
#define SIEMHUB_RC_NOT_FOUND 4     /**< key, secret or action does not exist */
#define SIEMHUB_RC_NOT_SUPPORTED 5 /**< the callee does not implement this */

/** What kind of failure, which decides what the host does next. */
typedef uint32_t siemhub_category;
#define SIEMHUB_CAT_NONE 0          /**< no error */
#define SIEMHUB_CAT_CONFIG 1        /**< bad configuration: not retried, connector unhealthy */
#define SIEMHUB_CAT_AUTH 2          /**< credentials refused: not dropped, connector unhealthy */
#define SIEMHUB_CAT_RATE_LIMIT 3    /**< peer asked to slow down: retried after retry_after_ms */
#define SIEMHUB_CAT_TRANSIENT 4     /**< network, 5xx, busy: retried with backoff */
#define SIEMHUB_CAT_PERMANENT 5     /**< the peer will never accept this: dead letters */
#define SIEMHUB_CAT_CANCELLED 6     /**< the host cancelled the operation */
#define SIEMHUB_CAT_TIMEOUT 7       /**< deadline passed: retried with backoff */
#define SIEMHUB_CAT_NOT_SUPPORTED 8 /**< the operation is not available */
#define SIEMHUB_CAT_INTERNAL 9      /**< a bug or an exception inside the plugin */

#define SIEMHUB_STATUS_MESSAGE_MAX 1024

/** Error details. Host-allocated and zeroed before each call; borrowed for the call. */
typedef struct siemhub_status {
  uint32_t struct_size;
  siemhub_category category;
  int32_t code;            /**< plugin- or vendor-specific code (HTTP status, HEC code...), 0 if none */
  uint32_t retry_after_ms; /**< for RATE_LIMIT/TRANSIENT: earliest useful retry, 0 = host decides */
  char message[SIEMHUB_STATUS_MESSAGE_MAX]; /**< NUL-terminated, never contains secrets */
} siemhub_status;

/* ==================================== log levels ==================================== */

typedef int32_t siemhub_log_level;
#define SIEMHUB_LOG_TRACE 0
#define SIEMHUB_LOG_DEBUG 1
#define SIEMHUB_LOG_INFO 2
#define SIEMHUB_LOG_WARN 3
#define SIEMHUB_LOG_ERROR 4

/* ================================ events and batches ================================ */

/** One event: a UTF-8 JSON object (OCSF once normalized). Borrowed unless stated. */
typedef struct siemhub_event {
  const char *data; /**< JSON object text, not NUL-terminated */
  size_t size;
  const char *id; /**< deterministic event id for idempotent receivers; may be NULL on emit */
  size_t id_size;
} siemhub_event;

/** A batch of events. Borrowed for the call. */
typedef struct siemhub_batch {
  uint32_t struct_size;
  uint32_t count;
  const siemhub_event *events;
} siemhub_batch;

/* ================================ opaque host handles ================================ */

/** Per-instance host context: the handle every instance-level host service takes. */
typedef struct siemhub_host_ctx siemhub_host_ctx;
/** One asynchronous operation (a poll, a write, a lookup, an action call). */
typedef struct siemhub_op siemhub_op;
/** A metric defined by the plugin. */
typedef struct siemhub_metric siemhub_metric;

/* ========================================= HTTP ========================================= */

typedef struct siemhub_http_header {
  const char *name;
  const char *value;
} siemhub_http_header;

/** Request flags. */
#define SIEMHUB_HTTP_GZIP_BODY 0x1u    /**< host gzips `body` and sets Content-Encoding: gzip */
#define SIEMHUB_HTTP_NO_DECOMPRESS 0x2u /**< deliver a compressed response body as received */

/** Called with each chunk of a streamed response body, on the instance strand. Return 0 to go
 * on, non-zero to abort the transfer (the completion then reports CANCELLED). */
typedef int (*siemhub_http_chunk_fn)(void *user, const char *data, size_t size);

typedef struct siemhub_http_request {
  uint32_t struct_size;
  const char *method; /**< "GET", "POST", ... */
  const char *url;    /**< absolute http(s) URL; must pass the connector's egress allow-list */
  const siemhub_http_header *headers;
  uint32_t header_count;
  uint32_t timeout_ms; /**< whole-request timeout, 0 = connector default */
  const char *body;
  size_t body_size;
  uint32_t flags;               /**< SIEMHUB_HTTP_* */
  siemhub_http_chunk_fn on_chunk; /**< optional: stream the body instead of buffering it */
  void *chunk_user;
} siemhub_http_request;

typedef struct siemhub_http_response {
  uint32_t struct_size;
  int32_t status; /**< HTTP status; 0 when no response was received */
  const siemhub_http_header *headers;
  uint32_t header_count;
  const char *body; /**< whole body (empty when streamed through on_chunk) */
  size_t body_size;
  uint32_t retry_after_ms; /**< parsed Retry-After (seconds or HTTP date), 0 if absent */
  uint32_t elapsed_ms;
} siemhub_http_response;

/** HTTP completion, on the instance strand. `resp` is NULL when no response arrived (then
 * `st` says why: TRANSIENT for connect/reset, TIMEOUT, CONFIG for a URL outside the allow-list,
 * CANCELLED). Both are borrowed for the callback. */
typedef void (*siemhub_http_done_fn)(void *user, const siemhub_http_response *resp,
                                     const siemhub_status *st);

/* ================================== other callbacks ================================== */

typedef void (*siemhub_timer_fn)(void *user);
/** Runs on the host's blocking pool (NOT the strand): may block; must not call host services
 * other than log and now_ms. */
typedef void (*siemhub_blocking_fn)(void *user);
/** Completion of run_blocking, back on the strand. */
typedef void (*siemhub_blocking_done_fn)(void *user);
/** Receives bytes borrowed for the call (kv_get, secret_resolve). */
typedef void (*siemhub_bytes_fn)(void *user, const char *data, size_t size);
/** Completion of an emit: SIEMHUB_RC_OK once the batch is durable in the ingest journal. */
typedef void (*siemhub_emit_done_fn)(void *user, siemhub_rc rc, const siemhub_status *st);

/* ================================ per-operation results ================================ */

/** Outcome of one event handed to a sink. Zero (UNSET) is treated as RETRY: nothing the sink
 * did not confirm is ever dropped. */
typedef uint32_t siemhub_outcome;
#define SIEMHUB_OUTCOME_UNSET 0
#define SIEMHUB_OUTCOME_DELIVERED 1 /**< the receiver confirmed it: it leaves the outbox */
#define SIEMHUB_OUTCOME_RETRY 2     /**< try again later (with the category's backoff) */
#define SIEMHUB_OUTCOME_REJECTED 3  /**< permanent: goes to dead letters with the reason */

typedef struct siemhub_event_result {
  uint32_t struct_size;
  siemhub_outcome outcome;
  siemhub_category category;
  uint32_t retry_after_ms;
  const char *reason;   /**< short human reason, borrowed for the call, may be NULL */
  const char *response; /**< the receiver's answer for this event (dead-letter evidence), may be NULL */
} siemhub_event_result;

typedef struct siemhub_lookup_result {
  uint32_t struct_size;
  int32_t found;      /**< 1 = a value, 0 = known miss (cached as a miss for ttl_ms) */
  const char *value;  /**< JSON value (object preferred; OCSF Enrichment shape), borrowed */
  size_t value_size;
  uint32_t ttl_ms;    /**< how long the host may cache this answer; 0 = do not cache */
} siemhub_lookup_result;

/* ================================ host services table ================================ */

#define SIEMHUB_METRIC_COUNTER 0
#define SIEMHUB_METRIC_GAUGE 1
#define SIEMHUB_METRIC_HISTOGRAM 2

#define SIEMHUB_TIMER_REPEAT 0x1u

#define SIEMHUB_HEALTH_OK 0
#define SIEMHUB_HEALTH_DEGRADED 1
#define SIEMHUB_HEALTH_DOWN 2

/** Services the host offers, handed to `init`. Functions marked (ctx) take the instance's
 * context; a NULL ctx means "the plugin as a whole" where allowed. */
typedef struct siemhub_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* --- logging: structured, tagged with plugin and instance; thread-safe --- */
  void (*log)(siemhub_host_ctx *ctx, siemhub_log_level level, const char *message);

  /* --- metrics: defined once, updated O(1) by handle; exported with plugin/instance labels --- */
  /** name: [a-z_][a-z0-9_]*; type: SIEMHUB_METRIC_*; returns NULL on a bad name. */
  siemhub_metric *(*metric_define)(siemhub_host_ctx *ctx, const char *name, const char *help,
                                   uint32_t type);
  /** counter: add (value >= 0); gauge: set; histogram: observe. */
  void (*metric_record)(siemhub_metric *metric, double value);

  /* --- HTTP on the host's libcurl (proxy, CA bundle, TLS policy, allow-list, metrics) --- */
  /** Starts a request; `done` runs exactly once on the strand unless this returns an error.
   * `*out_request_id` (may be NULL) identifies it for http_cancel. */
  siemhub_rc (*http_request)(siemhub_host_ctx *ctx, const siemhub_http_request *req,
                             siemhub_http_done_fn done, void *user, uint64_t *out_request_id,
                             siemhub_status *st);
  /** Cancels a request; its `done` still runs, with CANCELLED. */
  void (*http_cancel)(siemhub_host_ctx *ctx, uint64_t request_id);

  /* --- timers and the blocking pool --- */
  /** Returns a timer id (never 0); `fn` runs on the strand after delay_ms (and every delay_ms
   * with SIEMHUB_TIMER_REPEAT) until cancelled or the instance stops. */
  uint64_t (*timer_start)(siemhub_host_ctx *ctx, uint32_t delay_ms, uint32_t flags,
                          siemhub_timer_fn fn, void *user);
  void (*timer_cancel)(siemhub_host_ctx *ctx, uint64_t timer_id);
  siemhub_rc (*run_blocking)(siemhub_host_ctx *ctx, siemhub_blocking_fn work,
                             siemhub_blocking_done_fn done, void *user, siemhub_status *st);

  /* --- durable key-value state per instance (SQLite in the data directory) --- */
  /** Calls `out` with the value and returns OK, or returns NOT_FOUND. */
  siemhub_rc (*kv_get)(siemhub_host_ctx *ctx, const char *key, siemhub_bytes_fn out, void *user,
                       siemhub_status *st);
  siemhub_rc (*kv_put)(siemhub_host_ctx *ctx, const char *key, const char *value, size_t size,
                       siemhub_status *st);
  siemhub_rc (*kv_delete)(siemhub_host_ctx *ctx, const char *key, siemhub_status *st);

  /* --- secrets: resolves "${env:NAME}" / "${file:/path}" references at run time --- */
  /** The value reaches `out` only; the host never logs it. */
  siemhub_rc (*secret_resolve)(siemhub_host_ctx *ctx, const char *reference, siemhub_bytes_fn out,
                               void *user, siemhub_status *st);

  /* --- events in --- */
  /** Push sources: hands a batch to the host (copied). With `done`, it runs once the batch is
   * durable (or refused). Returns BUSY at once when the hub is at its cap: refuse your client. */
  siemhub_rc (*emit)(siemhub_host_ctx *ctx, const siemhub_batch *batch, siemhub_emit_done_fn done,
                     void *user, siemhub_status *st);

  /* --- operations --- */
  /** Finishes an op that returned PENDING. `st` NULL or category NONE means success. */
  void (*op_complete)(siemhub_op *op, const siemhub_status *st);
  /** Non-zero once the host no longer wants the op's result. */
  int (*op_is_cancelled)(const siemhub_op *op);
  /** Pull sources: events produced by this poll (copied; may be called several times). */
  siemhub_rc (*op_emit)(siemhub_op *op, const siemhub_batch *batch, siemhub_status *st);
  /** Pull sources: the cursor after this poll's events (copied). The host commits it with the
   * checkpoint that makes those events durable and hands it back to the next poll. */
  siemhub_rc (*op_set_cursor)(siemhub_op *op, const char *cursor, size_t size);
  /** Sinks: per-event outcome for events [first, first + count) of the batch. */
  siemhub_rc (*op_set_results)(siemhub_op *op, uint32_t first, uint32_t count,
                               const siemhub_event_result *result);
  /** Enrichers: the answer for key `index` of the lookup request. */
  siemhub_rc (*op_set_lookup)(siemhub_op *op, uint32_t index, const siemhub_lookup_result *result);
  /** Actions: the JSON result of execute/status (copied). For execute it is what the inverse
   * action will be given as `prior` to undo this call. */
  siemhub_rc (*op_set_action_result)(siemhub_op *op, const char *json, size_t size);

  /* --- instance-level --- */
  /** Non-zero once the instance is stopping: stop producing, finish in-flight work. */
  int (*is_cancelled)(siemhub_host_ctx *ctx);
  /** Milliseconds since the Unix epoch from the host's clock (a fake clock in tests). */
  int64_t (*now_ms)(siemhub_host_ctx *ctx);
  /** Reports the connector's own view of its health (e.g. DOWN on an auth failure). */
  void (*report_health)(siemhub_host_ctx *ctx, int32_t state, const char *reason);
} siemhub_host_api;

/* ================================= capability vtables ================================= */

#define SIEMHUB_CAP_SOURCE_PULL 0x1u
#define SIEMHUB_CAP_SOURCE_PUSH 0x2u
#define SIEMHUB_CAP_SINK 0x4u
#define SIEMHUB_CAP_ENRICH 0x8u
#define SIEMHUB_CAP_ACTION 0x10u
#define SIEMHUB_CAP_ALL_V1 0x1Fu

/** Poll request (borrowed). */
typedef struct siemhub_poll_request {
  uint32_t struct_size;
  uint32_t max_events; /**< soft limit for this poll */
  const char *cursor;  /**< last cursor set by the plugin (committed one after a restart); */
  size_t cursor_size;  /**< NULL/0 on the very first poll */
  int64_t deadline_ms; /**< epoch ms by which to complete */
} siemhub_poll_request;

/** SOURCE_PULL: the host calls poll on a schedule; the plugin emits with op_emit, sets the
 * next cursor with op_set_cursor, and completes. Emitting nothing is a normal idle poll. */
typedef struct siemhub_source_pull_vtable {
  uint32_t struct_size;
  uint32_t default_interval_ms; /**< suggested delay between polls when idle */
  siemhub_rc (*poll)(void *instance, siemhub_op *op, const siemhub_poll_request *req,
                     siemhub_status *st);
} siemhub_source_pull_vtable;

/** SOURCE_PUSH: the plugin listens or subscribes from `start` and calls host->emit. The host
 * calls pause when the hub is at its cap (refuse or stop reading) and resume after. */
typedef struct siemhub_source_push_vtable {
  uint32_t struct_size;
  void (*pause)(void *instance);
  void (*resume)(void *instance);
} siemhub_source_push_vtable;

/** SINK: write a batch, report a result PER EVENT with op_set_results. Events without a
 * result are retried; the op's own status (if an error) applies to all unset events. */
typedef struct siemhub_sink_vtable {
  uint32_t struct_size;
  uint32_t max_batch_events; /**< the largest batch the sink wants; 0 = host default */
  uint32_t max_batch_bytes;  /**< 0 = host default */
  siemhub_rc (*write)(void *instance, siemhub_op *op, const siemhub_batch *batch,
                      siemhub_status *st);
} siemhub_sink_vtable;

/** One lookup key: what kind (OCSF observable type name: "ip", "domain", "hash", "user"...)
 * and the value. */
typedef struct siemhub_lookup_key {
  const char *type;
  const char *value;
  size_t value_size;
} siemhub_lookup_key;

typedef struct siemhub_lookup_request {
  uint32_t struct_size;
  uint32_t count;
  const siemhub_lookup_key *keys;
  int64_t deadline_ms;
} siemhub_lookup_request;

/** ENRICH: batch lookups; answer each key with op_set_lookup (unanswered keys are misses that
 * are not cached). The host caches answers for their ttl_ms. */
typedef struct siemhub_enrich_vtable {
  uint32_t struct_size;
  const char *key_types; /**< JSON array of the key types it answers, e.g. ["ip","domain"] */
  siemhub_rc (*lookup)(void *instance, siemhub_op *op, const siemhub_lookup_request *req,
                       siemhub_status *st);
} siemhub_enrich_vtable;

/* Action flags. */
#define SIEMHUB_ACTION_IDEMPOTENT 0x1u  /**< the same idempotency key never acts twice */
#define SIEMHUB_ACTION_SIMULATE 0x2u    /**< supports simulate (dry run that touches nothing) */
#define SIEMHUB_ACTION_DESTRUCTIVE 0x4u /**< changes real state: the host asks for approval */

/** One action of the manifest. */
typedef struct siemhub_action_def {
  uint32_t struct_size;
  const char *name;          /**< e.g. "contain_host" */
  const char *title;
  const char *description;
  const char *params_schema; /**< JSON Schema (draft-07) of the params object */
  const char *inverse;       /**< name of the action that undoes this one, or NULL */
  uint32_t flags;            /**< SIEMHUB_ACTION_* */
  uint32_t timeout_ms;       /**< default deadline of one call */
  uint32_t retryable;        /**< bitmask of (1u << SIEMHUB_CAT_*) the host may retry */
} siemhub_action_def;

typedef struct siemhub_action_request {
  uint32_t struct_size;
  const char *action;          /**< name from the manifest */
  const char *params;          /**< JSON object valid against params_schema */
  size_t params_size;
  const char *idempotency_key; /**< stable across retries of the same intent */
  const char *prior;           /**< for an inverse: the result JSON of the call it undoes */
  size_t prior_size;
  int32_t simulate;            /**< 1 = dry run: validate and describe, change nothing */
  int64_t deadline_ms;
} siemhub_action_request;

/** ACTION: a manifest of actions and calls to run them and to ask for their state. */
typedef struct siemhub_action_vtable {
  uint32_t struct_size;
  uint32_t action_count;
  const siemhub_action_def *const *actions;
  siemhub_rc (*execute)(void *instance, siemhub_op *op, const siemhub_action_request *req,
                        siemhub_status *st);
  /** Reconciliation: the current state of what `execute` did for this idempotency key
   * (set with op_set_action_result, e.g. {"state":"contained"}). */
  siemhub_rc (*status)(void *instance, siemhub_op *op, const siemhub_action_request *req,
                       siemhub_status *st);
} siemhub_action_vtable;

/* ===================================== descriptor ===================================== */

typedef struct siemhub_health {
  uint32_t struct_size;
  int32_t state;          /**< SIEMHUB_HEALTH_* */
  char reason[256];       /**< NUL-terminated */
  int64_t last_success_ms;
} siemhub_health;

/** What a plugin is. Returned by the entry point; owned by the plugin, static in practice. */
typedef struct siemhub_plugin_descriptor {
  uint32_t struct_size;
  uint16_t abi_major; /**< must equal the ELF note's */
  uint16_t abi_minor;
  const char *id;      /**< [a-z0-9][a-z0-9._-]*, unique among loaded plugins; equals the note's */
  const char *version; /**< plugin semver; equals the note's */
  const char *vendor;
  const char *description;
  const char *license;
  const char *homepage;
  uint64_t capabilities;      /**< SIEMHUB_CAP_* */
  uint64_t flags;             /**< reserved, 0 */
  const char *config_schema;  /**< JSON Schema draft-07; secret fields carry "x-siemhub-secret": true */
  const char *ocsf_classes;   /**< JSON array of OCSF class_uids produced or consumed, e.g. [3002] */

  /* lifecycle: init -> create_instance -> start -> ... -> stop -> destroy_instance -> shutdown */
  /** Once per process before any instance; `host` stays valid until shutdown returns. */
  siemhub_rc (*init)(const siemhub_host_api *host, siemhub_status *st);
  /** Once, after every instance is destroyed. May be NULL. */
  void (*shutdown)(void);
  /** `config_json` has been validated against config_schema with secrets resolved. */
  siemhub_rc (*create_instance)(siemhub_host_ctx *ctx, const char *config_json, size_t config_size,
                                void **out_instance, siemhub_status *st);
  siemhub_rc (*start)(void *instance, siemhub_status *st);
  /** Stop producing, finish or abandon in-flight work, return by `deadline_ms` (epoch ms).
   * Called once per start; a second stop is a no-op. */
  siemhub_rc (*stop)(void *instance, int64_t deadline_ms, siemhub_status *st);
  void (*destroy_instance)(void *instance);
  /** May be NULL; the host then derives health from results. */
  void (*health)(void *instance, siemhub_health *out);

  /* one vtable per declared capability (NULL when the capability is not declared) */
  const siemhub_source_pull_vtable *source_pull;
  const siemhub_source_push_vtable *source_push;
  const siemhub_sink_vtable *sink;
  const siemhub_enrich_vtable *enrich;
  const siemhub_action_vtable *action;
} siemhub_plugin_descriptor;

/** The entry point every plugin exports. `host_abi_version` is SIEMHUB_ABI_VERSION of the
 * host. Must not have side effects: return a pointer to a static descriptor. */
typedef const siemhub_plugin_descriptor *(*siemhub_plugin_entry_fn)(uint32_t host_abi_version);

/* ==================================== the ELF note ==================================== */

#define SIEMHUB_NOTE_SECTION ".note.siemhub"
#define SIEMHUB_NOTE_NAME "siemhub" /* 8 bytes with the NUL: no padding needed */
#define SIEMHUB_NOTE_TYPE 0x53480001u
#define SIEMHUB_NOTE_ID_MAX 64
#define SIEMHUB_NOTE_VERSION_MAX 32

typedef struct siemhub_note_desc {
  uint32_t abi_major;
  uint32_t abi_minor;
  char id[SIEMHUB_NOTE_ID_MAX];           /* NUL-terminated */
  char version[SIEMHUB_NOTE_VERSION_MAX]; /* NUL-terminated */
} siemhub_note_desc;

typedef struct siemhub_elf_note {
  uint32_t namesz;
  uint32_t descsz;
  uint32_t type;
  char name[8];
  siemhub_note_desc desc;
} siemhub_elf_note;

/** Writes the plugin's ABI version, id and version into the ELF note the host reads before
 * loading. Use once per library (the registration macros below do). ID and VERSION are string
 * literals; one too long for the note fails to compile. */
#define SIEMHUB_PLUGIN_NOTE_AT(ID, VERSION, MAJOR, MINOR)                                          \
  typedef char siemhub_note_id_too_long_[(sizeof(ID) <= SIEMHUB_NOTE_ID_MAX) ? 1 : -1];            \
  typedef char siemhub_note_version_too_long_[(sizeof(VERSION) <= SIEMHUB_NOTE_VERSION_MAX) ? 1 : -1]; \
  __attribute__((section(SIEMHUB_NOTE_SECTION), used, aligned(4)))                                \
  static const siemhub_elf_note siemhub_plugin_note_ = {8u, (uint32_t)sizeof(siemhub_note_desc),          \
                                                 SIEMHUB_NOTE_TYPE, SIEMHUB_NOTE_NAME,              \
                                                 {(MAJOR), (MINOR), ID, VERSION}}
#define SIEMHUB_PLUGIN_NOTE(ID, VERSION)                                                           \
  SIEMHUB_PLUGIN_NOTE_AT(ID, VERSION, SIEMHUB_ABI_MAJOR, SIEMHUB_ABI_MINOR)

/** Registers a C plugin: the note plus the entry point returning `DESCRIPTOR` (a static
 * siemhub_plugin_descriptor whose id and version are the same literals). */
#define SIEMHUB_PLUGIN_REGISTER_C(ID, VERSION, DESCRIPTOR)                                         \
  SIEMHUB_PLUGIN_NOTE(ID, VERSION);                                                                \
  SIEMHUB_EXTERN_C SIEMHUB_EXPORT const siemhub_plugin_descriptor *siemhub_plugin_entry(          \
      uint32_t host_abi_version)                                                                   \
  {                                                                                                \
    (void)host_abi_version;                                                                        \
    return &(DESCRIPTOR);                                                                          \
  }

/** Whether a struct of `size` bytes contains `field` of `type` (read fields only when true). */
#define SIEMHUB_HAS_FIELD(type, field, size)                                                       \
  ((size_t)(size) >= offsetof(type, field) + sizeof(((type *)0)->field))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SIEMHUB_PLUGIN_H */
