/* format/sidecar.h: the sidecar files beside a PNG (docs/format.md §5): their names,
 * reading them (bounded) and writing them with the PNG. */
#ifndef PRTS__SIDECAR_H
#define PRTS__SIDECAR_H

#include <jansson.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/common.h"
#include "common/fileio.h"

/* Sidecar beside a PNG: tries PATH.meta.json, then PATH with .png -> .meta.json.
 * Returns PRTS_OK with *out == NULL when neither exists; *source gets a
 * prts_metadata_source. */
int prts__sidecar_read(const prts_allocator *a, const char *png_path, uint64_t max_size,
                       json_t **out, int *source, prts__err *e);
/* Open the output PATH + suffix (".meta.json", ".blueprint.json") and
 * write `obj` into it (indent 2, ASCII); the caller commits it together
 * with the PNG (prts__out_commit_all).  `mode` and `input` as for
 * prts__out_open (a sidecar gets the PNG's permissions: it holds its hash,
 * and in code mode the whole payload). */
int prts__sidecar_open(const prts_allocator *a, prts__outfile *out, const char *png_path,
                       const char *suffix, const json_t *obj, unsigned mode,
                       const struct stat *input, prts__err *e);
/* PATH + suffix in new memory from `a` (NULL when out of memory). */
char *prts__suffixed_name(const prts_allocator *a, const char *png_path, const char *suffix);
/* The name of the sidecar `source` (PRTS_META_SIDECAR or PRTS_META_ALT_SIDECAR)
 * of png_path, from `a`; NULL when out of memory, or for ALT_SIDECAR when the
 * name does not end in ".png". */
char *prts__sidecar_name(const prts_allocator *a, const char *png_path, int source);
/* 1 if png_path has an alternate sidecar name (it ends in ".png"). */
int prts__has_alt_sidecar(const char *png_path);
/* Read PATH + suffix if it exists (*out NULL when not). */
int prts__sidecar_read_json(const prts_allocator *a, const char *png_path, const char *suffix,
                            uint64_t max_size, json_t **out, prts__err *e);


#endif
