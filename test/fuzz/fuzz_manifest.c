/* fuzz_manifest.c: any bytes as a `pixelrts batch` manifest (YAML read by
 * libcyaml against the CLI's schema, with the libyaml pass that names the
 * line of an error) and as a `convert --blueprint` YAML document.
 *
 * The status is the exit code of cli_manifest_check(): the manifest is
 * read and its defaults checked, but no glob is expanded and no job runs,
 * so an input never touches the file system beyond its own file. */
#include "fuzz.h"

#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

const char *fuzz_status_name(int status)
{
    return status == CLI_OK ? "exit 0: manifest accepted" : "exit 1: manifest refused";
}

int fuzz_one(const uint8_t *data, size_t size)
{
    static char *path;
    if (!path)
        path = fuzz_path("manifest.yaml");
    fuzz_write_file(path, data, size);
    int rc = cli_manifest_check(path);
    FUZZ_CHECK(rc == CLI_OK || rc == CLI_FAIL);

    char err[256] = "";
    json_t *doc = cli_yaml_load(path, err, sizeof err);
    FUZZ_CHECK(doc != NULL || err[0] != '\0');
    json_decref(doc);
    unlink(path);
    return rc;
}
