/* One deliberately broken plugin per loader refusal; the variant is chosen with -DBROKEN_<CASE>.
 * Each must be refused with its own one-line reason while a good plugin beside it loads. */
#include <stdio.h>
#include <stdlib.h>

#include "siemhub/plugin.h"

static siemhub_rc ok_init(const siemhub_host_api *host, siemhub_status *st) {
  (void)host;
  (void)st;
#if defined(BROKEN_INIT_FAILS)
  snprintf(st->message, sizeof st->message, "vendor credentials file missing");
  st->category = SIEMHUB_CAT_CONFIG;
  return SIEMHUB_RC_ERROR;
#else
  return SIEMHUB_RC_OK;
#endif
}
static siemhub_rc ok_create(siemhub_host_ctx *ctx, const char *cfg, size_t n, void **out, siemhub_status *st) {
  (void)ctx;
  (void)cfg;
  (void)n;
  (void)st;
  *out = NULL;
  return SIEMHUB_RC_OK;
}
static siemhub_rc ok_start(void *inst, siemhub_status *st) {
  (void)inst;
  (void)st;
  return SIEMHUB_RC_OK;
}
static siemhub_rc ok_stop(void *inst, int64_t deadline, siemhub_status *st) {
  (void)inst;
  (void)deadline;
  (void)st;
  return SIEMHUB_RC_OK;
}
static void ok_destroy(void *inst) { (void)inst; }
static siemhub_rc ok_write(void *inst, siemhub_op *op, const siemhub_batch *b, siemhub_status *st) {
  (void)inst;
  (void)op;
  (void)b;
  (void)st;
  return SIEMHUB_RC_OK;
}

static const siemhub_sink_vtable sink_vt = {sizeof(siemhub_sink_vtable), 0, 0, ok_write};

#ifndef PLUGIN_ID
#define PLUGIN_ID "test.broken"
#endif
#ifndef DESC_ID
#define DESC_ID PLUGIN_ID
#endif

static const siemhub_plugin_descriptor descriptor = {
#if defined(BROKEN_BAD_SIZE)
    16,
#else
    sizeof(siemhub_plugin_descriptor),
#endif
    SIEMHUB_ABI_MAJOR,
    SIEMHUB_ABI_MINOR,
    DESC_ID,
    "1.0.0",
    "siemhub tests",
    "a deliberately broken plugin",
    "Apache-2.0",
    NULL,
    SIEMHUB_CAP_SINK,
    0,
    "{\"type\":\"object\"}",
    "[]",
    ok_init,
    NULL,
    ok_create,
    ok_start,
    ok_stop,
    ok_destroy,
    NULL,
    NULL,
    NULL,
#if defined(BROKEN_MISSING_VTABLE)
    NULL,
#else
    &sink_vt,
#endif
    NULL,
    NULL,
};

#if defined(BROKEN_ABI_MAJOR)
/* A static constructor with a visible side effect: the host must refuse this library from its
 * ELF note alone, so this never runs and the file never appears. */
__attribute__((constructor)) static void touch_marker(void) {
  const char *path = getenv("SIEMHUB_TEST_CTOR_FILE");
  if (path) {
    FILE *f = fopen(path, "w");
    if (f) {
      fputs("static constructor ran\n", f);
      fclose(f);
    }
  }
}
SIEMHUB_PLUGIN_NOTE_AT(PLUGIN_ID, "1.0.0", 99, 0);
#elif defined(BROKEN_MINOR_NEWER)
SIEMHUB_PLUGIN_NOTE_AT(PLUGIN_ID, "1.0.0", SIEMHUB_ABI_MAJOR, SIEMHUB_ABI_MINOR + 7);
#elif defined(BROKEN_NO_NOTE)
/* no note at all */
#else
SIEMHUB_PLUGIN_NOTE(PLUGIN_ID, "1.0.0");
#endif

#if defined(BROKEN_UNDEFINED_SYMBOL)
extern int siemhub_test_symbol_that_does_not_exist(void);
int (*volatile keep_undefined)(void) = siemhub_test_symbol_that_does_not_exist;
#endif

#if !defined(BROKEN_NO_ENTRY)
SIEMHUB_EXPORT const siemhub_plugin_descriptor *siemhub_plugin_entry(uint32_t host_abi_version) {
  (void)host_abi_version;
  return &descriptor;
}
#endif
