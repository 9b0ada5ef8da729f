/* counter_source.c: a minimal siemhub pull source in pure C11.
 *
 * Each poll emits `batch_size` synthetic OCSF Authentication events (class_uid 3002, Logon)
 * numbered by a sequence, and sets the cursor to the next sequence number. The host commits the
 * cursor with the events and hands it back on the next poll, so a restart resumes where the
 * last durable poll ended.
 *
 * Config (validated by the host against CONFIG_SCHEMA first): {"batch_size": 1..10000,
 * "user": "name"}. There is no JSON library here: parse_config() walks a FLAT object of
 * integers and strings without escapes, and refuses anything else with a CONFIG error. That is
 * enough for this schema; a real plugin with nested config should use a JSON parser. */
#include <siemhub/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_ID "com.example.counter-source"
#define PLUGIN_VERSION "1.0.0"

static const char CONFIG_SCHEMA[] =
    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"object\","
    "\"additionalProperties\":false,\"properties\":{"
    "\"batch_size\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000,\"default\":10},"
    "\"user\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"default\":\"synthetic\"}}}";

static const siemhub_host_api *host; /* set by init, valid until shutdown */

typedef struct counter {
  siemhub_host_ctx *ctx;
  long batch_size;
  char user[65];
  siemhub_metric *emitted; /* counter: events emitted */
} counter;

static siemhub_rc fail(siemhub_status *st, siemhub_category cat, const char *msg) {
  st->category = cat;
  snprintf(st->message, sizeof st->message, "%s", msg);
  return SIEMHUB_RC_ERROR;
}

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  return p;
}

/* A string without escapes: sets [*s, *n) and returns the position after the closing quote. */
static const char *scan_string(const char *p, const char *end, const char **s, size_t *n) {
  if (p >= end || *p != '"') return NULL;
  *s = ++p;
  while (p < end && *p != '"') {
    if (*p == '\\' || (unsigned char)*p < 0x20) return NULL; /* escapes: not supported here */
    ++p;
  }
  if (p >= end) return NULL;
  *n = (size_t)(p - *s);
  return p + 1;
}

static siemhub_rc parse_config(counter *c, const char *p, size_t size, siemhub_status *st) {
  const char *end = p + size;
  p = skip_ws(p, end);
  if (p >= end) return SIEMHUB_RC_OK; /* empty config: defaults */
  if (*p++ != '{') return fail(st, SIEMHUB_CAT_CONFIG, "config must be a JSON object");
  for (p = skip_ws(p, end); p < end && *p != '}';) {
    const char *key, *val;
    size_t klen, vlen;
    if (!(p = scan_string(p, end, &key, &klen))) return fail(st, SIEMHUB_CAT_CONFIG, "config: bad key");
    p = skip_ws(p, end);
    if (p >= end || *p++ != ':') return fail(st, SIEMHUB_CAT_CONFIG, "config: expected ':'");
    p = skip_ws(p, end);
    if (klen == 10 && memcmp(key, "batch_size", 10) == 0) {
      char num[8] = {0}; /* config text is not NUL-terminated: copy the digits first */
      size_t k = 0;
      while (p + k < end && k < sizeof num - 1 && p[k] >= '0' && p[k] <= '9') num[k] = p[k], ++k;
      c->batch_size = strtol(num, NULL, 10);
      p += k;
      if (k == 0 || c->batch_size < 1 || c->batch_size > 10000 || (p < end && strchr(".eE0123456789", *p)))
        return fail(st, SIEMHUB_CAT_CONFIG, "config: batch_size must be an integer in 1..10000");
    } else if (klen == 4 && memcmp(key, "user", 4) == 0) {
      if (!(p = scan_string(p, end, &val, &vlen)) || vlen == 0 || vlen >= sizeof c->user)
        return fail(st, SIEMHUB_CAT_CONFIG, "config: user must be a string of 1..64 characters without escapes");
      memcpy(c->user, val, vlen);
      c->user[vlen] = '\0';
    } else {
      return fail(st, SIEMHUB_CAT_CONFIG, "config: unknown key (expected batch_size, user)");
    }
    p = skip_ws(p, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
  }
  return p < end ? SIEMHUB_RC_OK : fail(st, SIEMHUB_CAT_CONFIG, "config: unterminated object");
}

static siemhub_rc init(const siemhub_host_api *api, siemhub_status *st) {
  if (api == NULL || api->abi_major != SIEMHUB_ABI_MAJOR ||
      !SIEMHUB_HAS_FIELD(siemhub_host_api, report_health, api->struct_size))
    return fail(st, SIEMHUB_CAT_CONFIG, "host services table too old");
  host = api;
  return SIEMHUB_RC_OK;
}

static siemhub_rc create(siemhub_host_ctx *ctx, const char *cfg, size_t size, void **out, siemhub_status *st) {
  counter *c = calloc(1, sizeof *c);
  if (c == NULL) return fail(st, SIEMHUB_CAT_INTERNAL, "out of memory");
  c->ctx = ctx;
  c->batch_size = 10;
  strcpy(c->user, "synthetic");
  if (parse_config(c, cfg, size, st) != SIEMHUB_RC_OK) {
    free(c);
    return SIEMHUB_RC_ERROR;
  }
  c->emitted = host->metric_define(ctx, "counter_events_total", "Synthetic events emitted", SIEMHUB_METRIC_COUNTER);
  *out = c;
  return SIEMHUB_RC_OK;
}

static siemhub_rc start(void *inst, siemhub_status *st) { (void)inst; (void)st; return SIEMHUB_RC_OK; }
/* Nothing in flight between polls, so stop (and a second stop) has nothing to do. */
static siemhub_rc stop(void *inst, int64_t deadline_ms, siemhub_status *st) { (void)inst; (void)deadline_ms; (void)st; return SIEMHUB_RC_OK; }
static void destroy(void *inst) { free(inst); }

static siemhub_rc poll(void *inst, siemhub_op *op, const siemhub_poll_request *req, siemhub_status *st) {
  counter *c = inst;
  unsigned long long seq = 0; /* the cursor is the next sequence number, in decimal */
  if (req->cursor != NULL && req->cursor_size > 0 && req->cursor_size < 21) {
    char buf[21];
    memcpy(buf, req->cursor, req->cursor_size);
    buf[req->cursor_size] = '\0';
    seq = strtoull(buf, NULL, 10);
  }
  long n = c->batch_size;
  if (req->max_events > 0 && (unsigned long)n > req->max_events) n = (long)req->max_events;
  /* One buffer for all events: the host copies them in op_emit, so it is freed right after. */
  char *text = malloc((size_t)n * 512);
  siemhub_event *evs = calloc((size_t)n, sizeof *evs);
  if (text == NULL || evs == NULL) {
    free(text);
    free(evs);
    return fail(st, SIEMHUB_CAT_TRANSIENT, "out of memory");
  }
  const long long now = (long long)host->now_ms(c->ctx);
  for (long i = 0; i < n; ++i) {
    char *e = text + i * 512; /* "user" is <= 64 plain characters, so 512 bytes suffice */
    int len = snprintf(e, 512,
                       "{\"class_uid\":3002,\"category_uid\":3,\"activity_id\":1,\"type_uid\":300201,"
                       "\"severity_id\":1,\"status_id\":1,\"time\":%lld,\"user\":{\"name\":\"%s\"},"
                       "\"metadata\":{\"version\":\"1.1.0\",\"sequence\":%llu,"
                       "\"product\":{\"name\":\"counter-source\",\"vendor_name\":\"example\"}}}",
                       now, c->user, seq + (unsigned long long)i);
    evs[i].data = e;
    evs[i].size = (size_t)len;
  }
  siemhub_batch batch = {sizeof batch, (uint32_t)n, evs};
  siemhub_rc rc = host->op_emit(op, &batch, st);
  free(text);
  free(evs);
  if (rc != SIEMHUB_RC_OK) return rc;
  char cursor[24];
  int clen = snprintf(cursor, sizeof cursor, "%llu", seq + (unsigned long long)n);
  host->op_set_cursor(op, cursor, (size_t)clen);
  if (c->emitted) host->metric_record(c->emitted, (double)n);
  return SIEMHUB_RC_OK; /* finished at once: no op_complete */
}

static const siemhub_source_pull_vtable pull = {sizeof pull, 5000, poll};

static const siemhub_plugin_descriptor descriptor = {
    .struct_size = sizeof(siemhub_plugin_descriptor),
    .abi_major = SIEMHUB_ABI_MAJOR, .abi_minor = SIEMHUB_ABI_MINOR,
    .id = PLUGIN_ID, .version = PLUGIN_VERSION, /* the same literals as the ELF note */
    .vendor = "Example Corp", .license = "Apache-2.0",
    .description = "Emits synthetic OCSF Authentication events (a counter)",
    .capabilities = SIEMHUB_CAP_SOURCE_PULL,
    .config_schema = CONFIG_SCHEMA,
    .ocsf_classes = "[3002]",
    .init = init, .create_instance = create, .start = start, .stop = stop, .destroy_instance = destroy,
    .source_pull = &pull, /* one vtable per declared capability, the others stay NULL */
};

/* The ELF note (read by the host before loading) and the exported entry point. No ';' after. */
SIEMHUB_PLUGIN_REGISTER_C(PLUGIN_ID, PLUGIN_VERSION, descriptor)
