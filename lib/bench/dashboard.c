/* bench/dashboard.c: the benchmark history as ONE self-contained HTML file.
 *
 * Chart.js is read from the Debian package libjs-chart.js when the page is
 * generated and inlined, so the file works offline and carries no CDN
 * reference.  Tables and titles are written here, HTML-escaped; the charts
 * are drawn by the page's script from the history embedded as JSON (with
 * every '<', '>' and '&' escaped, so no string can end the script).  After
 * drawing, the script checks that every chart put its data on the canvas
 * (pixels of the dataset colour at the data points) and records the outcome
 * on <html> as data-charts-rendered="N" or data-charts-error / -blank, which
 * the headless-browser test reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "common/fileio.h"

static int valid(const prts_bench *b)
{
    return b && b->magic == PRTS__MAGIC_BENCH;
}

/* A whole file in memory (NUL-terminated). */
static int read_all(const char *path, char **text, size_t *len, prts__err *e)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return prts__fail(e, PRTS_E_FILE_NOT_FOUND,
                              "%s: Chart.js not found (install the Debian package "
                              "libjs-chart.js, or name another copy in PRTS_BENCH_CHARTJS)",
                              path);
        return prts__fail(e, PRTS_E_IO, "%s: cannot read Chart.js: %s", path, strerror(errno));
    }
    size_t cap = 1 << 18, n = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? PRTS_OK : prts__fail(e, PRTS_E_NOMEM, "out of memory");
    while (rc == PRTS_OK) {
        if (n == cap) {
            char *p = realloc(buf, 2 * cap + 1);
            if (!p) {
                rc = prts__fail(e, PRTS_E_NOMEM, "out of memory");
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = prts__fail(e, PRTS_E_IO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (rc == PRTS_OK && n == 0)
        rc = prts__fail(e, PRTS_E_IO, "%s: empty file, not Chart.js", path);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return PRTS_OK;
}

static void put_escaped(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Script text inlined as is, except that "</script" (any case) cannot end
 * the element early: it becomes "<\/script", the same string to JavaScript. */
static void put_script(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<' && i + 1 < len && s[i + 1] == '/' && len - i >= 8 &&
            strncasecmp(s + i + 2, "script", 6) == 0) {
            fputs("<\\/", out);
            i++;
            continue;
        }
        fputc(s[i], out);
    }
}

/* JSON for a <script type="application/json"> element: '<', '>' and '&'
 * become \u escapes, which JSON.parse reads back unchanged. */
static void put_json(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("\\u003c", out);
        else if (*s == '>')
            fputs("\\u003e", out);
        else if (*s == '&')
            fputs("\\u0026", out);
        else
            fputc(*s, out);
    }
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "2025-01-02 13:45:07 UTC" from the history's ISO 8601 timestamp. */
static void put_date(FILE *out, const char *stamp)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", stamp);
    char *t = strchr(buf, 'T');
    if (t)
        *t = ' ';
    size_t n = strlen(buf);
    if (n && buf[n - 1] == 'Z') {
        buf[n - 1] = '\0';
        put_escaped(out, buf);
        fputs(" UTC", out);
    } else {
        put_escaped(out, buf);
    }
}

static void put_size(FILE *out, double bytes)
{
    if (bytes >= 1 << 20)
        fprintf(out, "%.1f MiB", bytes / (1 << 20));
    else if (bytes >= 1024)
        fprintf(out, "%.1f KiB", bytes / 1024);
    else
        fprintf(out, "%.0f B", bytes);
}

/* "12.34 ms" and, when the run has a spread, " (11.9–13.1)". */
static void put_time(FILE *out, const json_t *run, const char *key)
{
    fprintf(out, "%.2f ms", 1e3 * prts__json_number(run, key, 0));
    json_t *s = json_object_get(json_object_get(run, "spread"), key);
    if (json_is_object(s))
        fprintf(out, " <span class=\"spread\">(%.2f&ndash;%.2f)</span>",
                1e3 * prts__json_number(s, "min", 0), 1e3 * prts__json_number(s, "max", 0));
}

static void put_memory(FILE *out, const json_t *run)
{
    json_t *m = json_object_get(run, "peak_memory_mb");
    if (json_is_number(m))
        fprintf(out, "%.1f", json_number_value(m));
    else
        fputs("&mdash;", out);
}

static const char STYLE[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
    "background:#f4f6fb;color:#1d2433}\n"
    "header{background:linear-gradient(135deg,#3f51b5,#7b1fa2);color:#fff;padding:24px 32px}\n"
    "header h1{margin:0 0 6px;font-size:26px}header p{margin:0;opacity:.85}\n"
    "main{padding:24px 32px}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:16px;margin-bottom:24px}\n"
    ".card{background:#fff;border-radius:10px;padding:16px 20px;min-width:150px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.08)}\n"
    ".card .v{font-size:28px;font-weight:600}.card .k{color:#5b6475;font-size:13px}\n"
    ".card.bad .v{color:#c62828}\n"
    ".alert{background:#ffebee;border-left:5px solid #c62828;padding:12px 18px;"
    "margin-bottom:24px;border-radius:6px}\n"
    ".alert h2{margin:0 0 6px;font-size:18px;color:#c62828}\n"
    ".ok{background:#e8f5e9;border-left:5px solid #2e7d32;padding:12px 18px;"
    "margin-bottom:24px;border-radius:6px}\n"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:16px}\n"
    ".chart{background:#fff;border-radius:10px;padding:12px 16px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.08)}\n"
    ".chart h3{margin:0 0 8px;font-size:15px;word-break:break-all}\n"
    "section{margin-bottom:28px}\n"
    "table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}\n"
    "th,td{padding:6px 8px;border-bottom:1px solid #e3e6ee;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eceff7}td.n{text-align:right;white-space:nowrap}\n"
    "tr.regressed td{background:#ffebee}tr.regressed td.delta{color:#c62828;font-weight:600}\n"
    ".spread{color:#7a8294;font-size:11px}.scroll{overflow-x:auto}td.d{white-space:nowrap}\n"
    "footer{padding:12px 32px;color:#7a8294;font-size:12px}\n";

/* The page's script: charts from the embedded data, then the check that
 * they drew (see the top of this file). */
static const char SCRIPT[] =
    "(function () {\n"
    "  'use strict';\n"
    "  var root = document.documentElement;\n"
    "  var data = JSON.parse(document.getElementById('prts-data').textContent);\n"
    "  if (typeof Chart === 'undefined') {\n"
    "    root.setAttribute('data-charts-error', 'Chart.js did not load');\n"
    "    return;\n"
    "  }\n"
    "  Chart.defaults.animation = false; /* draw now, so the check below sees it */\n"
    "  var palette = [[54, 162, 235], [255, 99, 132], [75, 192, 192], [255, 159, 64],\n"
    "                 [153, 102, 255], [201, 203, 207], [46, 125, 50], [121, 85, 72]];\n"
    "  function rgb(c) { return 'rgb(' + c.join(',') + ')'; }\n"
    "  function when(ts) { return ts ? ts.replace('T', ' ').replace('Z', '') : '?'; }\n"
    "  function series(r) {\n"
    "    return (r.backend || '?') + ' L' + r.level +\n"
    "      (r.metadata && r.metadata.mode === 'code' ? ' code' : '');\n"
    "  }\n"
    "  function mbps(r, key) { return r[key] > 0 ? r.data_size / 1e6 / r[key] : null; }\n"
    "  var charts = [];\n"
    "  function chart(id, type, labels, sets, ytitle, xtitle) {\n"
    "    var datasets = sets.map(function (s, n) {\n"
    "      var c = palette[n % palette.length];\n"
    "      return { label: s.label, data: s.data, colour: c, borderColor: rgb(c),\n"
    "               backgroundColor: rgb(c), pointBackgroundColor: rgb(c),\n"
    "               pointRadius: 4, borderWidth: 2, spanGaps: true };\n"
    "    });\n"
    "    var scales = { y: { beginAtZero: true, title: { display: true, text: ytitle } } };\n"
    "    if (xtitle) scales.x = { title: { display: true, text: xtitle } };\n"
    "    charts.push(new Chart(document.getElementById(id), {\n"
    "      type: type, data: { labels: labels, datasets: datasets },\n"
    "      options: { responsive: true, maintainAspectRatio: true, aspectRatio: 2,\n"
    "                 scales: scales }\n"
    "    }));\n"
    "  }\n"
    "  /* throughput over time, one chart per test, one line per backend/level/mode */\n"
    "  data.tests.forEach(function (name, i) {\n"
    "    var runs = data.runs.filter(function (r) { return r.test_name === name; });\n"
    "    var order = [], by = {};\n"
    "    runs.forEach(function (r, j) {\n"
    "      var k = series(r);\n"
    "      if (!by[k]) { by[k] = runs.map(function () { return null; }); order.push(k); }\n"
    "      by[k][j] = r.throughput_mb_sec;\n"
    "    });\n"
    "    chart('tp-' + i, 'line', runs.map(function (r) { return when(r.timestamp); }),\n"
    "          order.map(function (k) { return { label: k, data: by[k] }; }),\n"
    "          'MB/s', 'run (UTC)');\n"
    "  });\n"
    "  /* the latest run of every test/backend/level/mode */\n"
    "  var latest = [], seen = {};\n"
    "  for (var i = data.runs.length - 1; i >= 0; i--) {\n"
    "    var r = data.runs[i], k = r.test_name + '|' + series(r);\n"
    "    if (!seen[k]) { seen[k] = 1; latest.unshift(r); }\n"
    "  }\n"
    "  var names = latest.map(function (r) { return r.test_name + ' (' + series(r) + ')'; });\n"
    "  chart('encdec', 'bar', names, [\n"
    "    { label: 'encode MB/s', data: latest.map(function (r) { return mbps(r, 'encode_time'); }) },\n"
    "    { label: 'decode MB/s', data: latest.map(function (r) { return mbps(r, 'decode_time'); }) }\n"
    "  ], 'MB/s');\n"
    "  var backends = [];\n"
    "  latest.forEach(function (r) {\n"
    "    if (backends.indexOf(r.backend) < 0) backends.push(r.backend);\n"
    "  });\n"
    "  chart('backends', 'bar', data.tests, backends.map(function (b) {\n"
    "    return { label: b || '?', data: data.tests.map(function (t) {\n"
    "      var v = null;\n"
    "      latest.forEach(function (r) {\n"
    "        if (r.test_name === t && r.backend === b) v = r.throughput_mb_sec;\n"
    "      });\n"
    "      return v;\n"
    "    }) };\n"
    "  }), 'MB/s');\n"
    "  chart('memory', 'bar', names, [{ label: 'peak RSS MiB', data: latest.map(function (r) {\n"
    "    return typeof r.peak_memory_mb === 'number' ? r.peak_memory_mb : null; }) }], 'MiB');\n"
    "  /* did they draw?  every chart must show the colour of its dataset at\n"
    "     the centre of at least one of its data points or bars */\n"
    "  var blank = [], drawn = 0;\n"
    "  charts.forEach(function (ch) {\n"
    "    var cv = ch.canvas, ctx = cv.getContext('2d'), dpr = ch.currentDevicePixelRatio || 1;\n"
    "    var px = ctx.getImageData(0, 0, cv.width, cv.height).data, ink = 0, hits = 0;\n"
    "    for (var p = 3; p < px.length; p += 4) if (px[p] !== 0) ink++;\n"
    "    ch.data.datasets.forEach(function (ds, n) {\n"
    "      ch.getDatasetMeta(n).data.forEach(function (el, j) {\n"
    "        if (ds.data[j] === null || ds.data[j] === undefined) return;\n"
    "        var y = el.base !== undefined ? (el.y + el.base) / 2 : el.y;\n"
    "        var x = Math.round(el.x * dpr), yy = Math.round(y * dpr);\n"
    "        if (!(x >= 0 && yy >= 0 && x < cv.width && yy < cv.height)) return;\n"
    "        var o = (yy * cv.width + x) * 4, c = ds.colour;\n"
    "        if (Math.abs(px[o] - c[0]) < 40 && Math.abs(px[o + 1] - c[1]) < 40 &&\n"
    "            Math.abs(px[o + 2] - c[2]) < 40 && px[o + 3] > 200) hits++;\n"
    "      });\n"
    "    });\n"
    "    cv.setAttribute('data-ink', ink);\n"
    "    cv.setAttribute('data-points-drawn', hits);\n"
    "    if (ink > 0 && hits > 0) drawn++; else blank.push(cv.id);\n"
    "  });\n"
    "  if (blank.length) root.setAttribute('data-charts-blank', blank.join(' '));\n"
    "  else root.setAttribute('data-charts-rendered', String(drawn));\n"
    "})();\n";

/* Per group (test/backend/level/mode): the number of runs and the latest. */
static json_t *latest_by_group(const json_t *history)
{
    json_t *groups = json_object();
    size_t i;
    json_t *run;
    json_array_foreach(history, i, run) {
        char *key = prts__bench_group_key(run);
        if (!key)
            continue;
        json_t *g = json_object_get(groups, key);
        json_int_t n = g ? json_integer_value(json_object_get(g, "runs")) : 0;
        json_object_set_new(groups, key, json_pack("{s:I, s:O}", "runs", n + 1, "latest", run));
        free(key);
    }
    return groups;
}

static void put_results_table(FILE *out, const json_t *groups, const json_t *verdicts)
{
    fputs("<div class=\"scroll\"><table id=\"results\"><thead><tr><th>Test</th><th>Backend (device)</th>"
          "<th>Level</th><th>Mode</th><th>Size</th><th>Encode (min&ndash;max)</th>"
          "<th>Decode (min&ndash;max)</th><th>Throughput MB/s</th><th>vs baseline</th>"
          "<th>Peak RSS MiB</th><th>Runs</th><th>Last run</th><th>Version</th>"
          "</tr></thead><tbody>\n",
          out);
    const char *key;
    json_t *g;
    json_object_foreach((json_t *)groups, key, g) {
        json_t *r = json_object_get(g, "latest");
        json_t *v = json_object_get(verdicts, key);
        int bad = json_is_true(json_object_get(v, "regressed"));
        fprintf(out, "<tr%s><td>", bad ? " class=\"regressed\"" : "");
        put_escaped(out, str(r, "test_name"));
        fputs("</td><td>", out);
        put_escaped(out, str(r, "backend"));
        if (*str(r, "device")) {
            fputs("<br><span class=\"spread\">", out);
            put_escaped(out, str(r, "device"));
            fputs("</span>", out);
        }
        json_t *level = json_object_get(r, "level");
        if (json_is_integer(level))
            fprintf(out, "</td><td class=\"n\">%lld</td><td>", (long long)json_integer_value(level));
        else
            fputs("</td><td class=\"n\">&mdash;</td><td>", out);
        put_escaped(out, str(json_object_get(r, "metadata"), "mode"));
        fputs("</td><td class=\"n\">", out);
        put_size(out, prts__json_number(r, "data_size", 0));
        fputs("</td><td class=\"n\">", out);
        put_time(out, r, "encode_time");
        fputs("</td><td class=\"n\">", out);
        put_time(out, r, "decode_time");
        fprintf(out, "</td><td class=\"n\">%.1f</td><td class=\"n delta\">",
                prts__json_number(r, "throughput_mb_sec", 0));
        if (v) {
            double pct = prts__json_number(v, "regression_percent", 0);
            fprintf(out, "%+.1f %% vs %.1f%s", -pct, prts__json_number(v, "baseline", 0),
                    bad ? " REGRESSION" : "");
        } else {
            fputs("&mdash;", out);
        }
        fputs("</td><td class=\"n\">", out);
        put_memory(out, r);
        fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"d\">",
                (long long)json_integer_value(json_object_get(g, "runs")));
        put_date(out, str(r, "timestamp"));
        fputs("</td><td>", out);
        put_escaped(out, str(r, "version"));
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void put_runs_table(FILE *out, const json_t *history)
{
    fprintf(out, "<details><summary>All %zu runs, newest first</summary>\n",
            json_array_size(history));
    fputs("<div class=\"scroll\"><table id=\"runs\"><thead><tr><th>Date</th><th>Test</th><th>Backend</th>"
          "<th>Level</th><th>Encode</th><th>Decode</th><th>MB/s</th><th>Peak RSS MiB</th>"
          "<th>Machine</th><th>Version</th></tr></thead><tbody>\n",
          out);
    for (size_t i = json_array_size(history); i-- > 0;) {
        json_t *r = json_array_get(history, i);
        json_t *m = json_object_get(r, "machine");
        fputs("<tr><td class=\"d\">", out);
        put_date(out, str(r, "timestamp"));
        fputs("</td><td>", out);
        put_escaped(out, str(r, "test_name"));
        fputs("</td><td>", out);
        put_escaped(out, str(r, "backend"));
        fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%.2f ms</td>"
                     "<td class=\"n\">%.2f ms</td><td class=\"n\">%.1f</td><td class=\"n\">",
                (long long)json_integer_value(json_object_get(r, "level")),
                1e3 * prts__json_number(r, "encode_time", 0),
                1e3 * prts__json_number(r, "decode_time", 0),
                prts__json_number(r, "throughput_mb_sec", 0));
        put_memory(out, r);
        fputs("</td><td>", out);
        put_escaped(out, str(m, "cpu_model"));
        if (json_is_integer(json_object_get(m, "cores")))
            fprintf(out, ", %lld cores", (long long)json_integer_value(json_object_get(m, "cores")));
        fputs("</td><td>", out);
        put_escaped(out, str(r, "version"));
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div></details>\n", out);
}

/* The whole page into `out`. */
static void put_page(FILE *out, prts_bench *b, const json_t *history, const json_t *regs,
                     const json_t *verdicts, const char *chartjs, size_t chartjs_len)
{
    json_t *groups = latest_by_group(history);
    json_t *tests = json_array();
    double sum = 0;
    size_t i;
    json_t *r;
    json_array_foreach(history, i, r) {
        sum += prts__json_number(r, "throughput_mb_sec", 0);
        int known = 0;
        size_t j;
        json_t *t;
        json_array_foreach(tests, j, t)
            known |= strcmp(json_string_value(t), str(r, "test_name")) == 0;
        if (!known)
            json_array_append_new(tests, json_string(str(r, "test_name")));
    }
    size_t nruns = json_array_size(history), nregs = json_array_size(regs);
    char stamp[32];
    time_t clock = time(NULL);
    struct tm tm;
    gmtime_r(&clock, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S UTC", &tm);

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>PixelRTS Performance Dashboard</title>\n<style>\n", out);
    fputs(STYLE, out);
    fputs("</style>\n<script>\n/* Chart.js, inlined from ", out);
    put_escaped(out, b->chartjs ? b->chartjs : PRTS__BENCH_DEFAULT_CHARTJS);
    fputs(" */\n", out);
    put_script(out, chartjs, chartjs_len);
    fputs("\n</script>\n</head>\n<body>\n<header><h1>PixelRTS Performance Dashboard</h1><p>", out);
    fprintf(out, "%zu runs from ", nruns);
    put_escaped(out, b->output_dir);
    fprintf(out, "/" PRTS__BENCH_HISTORY_FILE ", generated %s by libpixelrts %s</p></header>\n"
                 "<main>\n",
            stamp, prts_version_string());

    /* regressions first: they are what someone opening this wants to know */
    if (nregs) {
        fprintf(out, "<div class=\"alert\" id=\"regressions\"><h2>Performance regressions "
                     "detected: %zu</h2><ul>\n", nregs);
        json_array_foreach(regs, i, r) {
            fputs("<li><strong>", out);
            put_escaped(out, str(r, "test_name"));
            fputs("</strong> (", out);
            put_escaped(out, str(r, "backend"));
            fprintf(out, ", level %lld): &minus;%.1f %% &mdash; %.1f MB/s against a baseline of "
                         "%.1f MB/s (median of the %lld runs before; noise band %.1f MB/s)</li>\n",
                    (long long)json_integer_value(json_object_get(r, "level")),
                    prts__json_number(r, "regression_percent", 0),
                    prts__json_number(r, "latest", 0), prts__json_number(r, "baseline", 0),
                    (long long)json_integer_value(json_object_get(r, "baseline_runs")),
                    prts__json_number(r, "noise_band", 0));
        }
        fputs("</ul></div>\n", out);
    } else {
        fprintf(out, "<div class=\"ok\" id=\"regressions\">No regressions detected (latest run "
                     "of each test against the median of up to %lld runs before it, threshold "
                     "%.0f %% beyond the noise band).</div>\n",
                (long long)b->baseline_runs, 100 * b->threshold);
    }

    fprintf(out, "<section class=\"cards\">\n"
                 "<div class=\"card\"><div class=\"v\" id=\"stat-tests\">%zu</div>"
                 "<div class=\"k\">tests</div></div>\n"
                 "<div class=\"card\"><div class=\"v\" id=\"stat-runs\">%zu</div>"
                 "<div class=\"k\">runs</div></div>\n"
                 "<div class=\"card\"><div class=\"v\" id=\"stat-throughput\">%.1f</div>"
                 "<div class=\"k\">average throughput, MB/s</div></div>\n"
                 "<div class=\"card%s\"><div class=\"v\" id=\"stat-regressions\">%zu</div>"
                 "<div class=\"k\">regressions (threshold %.0f %%)</div></div>\n"
                 "<div class=\"card\"><div class=\"v\" style=\"font-size:16px\">",
            json_array_size(tests), nruns, nruns ? sum / (double)nruns : 0.0,
            nregs ? " bad" : "", nregs, 100 * b->threshold);
    const char *last = ""; /* ISO 8601 UTC: the greatest string is the latest time */
    json_array_foreach(history, i, r)
        if (strcmp(str(r, "timestamp"), last) > 0)
            last = str(r, "timestamp");
    put_date(out, last);
    fputs("</div><div class=\"k\">last run</div></div>\n</section>\n", out);

    fputs("<section><h2>Throughput over time</h2><div class=\"grid\">\n", out);
    json_array_foreach(tests, i, r) {
        fputs("<div class=\"chart\"><h3>", out);
        put_escaped(out, json_string_value(r));
        fprintf(out, "</h3><canvas id=\"tp-%zu\"></canvas></div>\n", i);
    }
    fputs("</div></section>\n"
          "<section class=\"grid\">\n"
          "<div class=\"chart\"><h3>Encode vs decode (latest run, MB/s)</h3>"
          "<canvas id=\"encdec\"></canvas></div>\n"
          "<div class=\"chart\"><h3>Throughput per backend (latest run)</h3>"
          "<canvas id=\"backends\"></canvas></div>\n"
          "<div class=\"chart\"><h3>Peak memory (process RSS during the timed runs)</h3>"
          "<canvas id=\"memory\"></canvas></div>\n"
          "</section>\n"
          "<section><h2>Results (latest run of each test)</h2>\n",
          out);
    put_results_table(out, groups, verdicts);
    fputs("</section>\n<section>\n", out);
    put_runs_table(out, history);
    fputs("</section>\n</main>\n<footer>Times are medians of the timed runs after warm-up; "
          "every round trip was verified byte for byte. MB/s = 10<sup>6</sup> payload bytes "
          "per second of encode + decode.</footer>\n",
          out);

    json_t *page = json_pack("{s:O, s:O}", "tests", tests, "runs", history);
    char *text = page ? json_dumps(page, JSON_COMPACT) : NULL;
    fputs("<script type=\"application/json\" id=\"prts-data\">", out);
    put_json(out, text ? text : "{\"tests\":[],\"runs\":[]}");
    fputs("</script>\n<script>\n", out);
    fputs(SCRIPT, out);
    fputs("</script>\n</body>\n</html>\n", out);
    free(text);
    json_decref(page);
    json_decref(tests);
    json_decref(groups);
}

int prts_bench_write_dashboard(prts_bench *b, const char *output_html)
{
    if (!valid(b))
        return PRTS_E_INVALID_ARG;
    if (!output_html || !*output_html)
        return prts__fail(&b->err, PRTS_E_INVALID_ARG, "no output file named for the dashboard");
    const char *chartjs_path = b->chartjs ? b->chartjs : PRTS__BENCH_DEFAULT_CHARTJS;
    char *chartjs = NULL;
    size_t chartjs_len = 0;
    json_t *history = NULL, *regs = NULL, *verdicts = NULL;
    int rc = read_all(chartjs_path, &chartjs, &chartjs_len, &b->err);
    if (rc == PRTS_OK)
        rc = prts__bench_history_load(b, &history);
    if (rc == PRTS_OK && json_array_size(history) == 0) {
        char *path = prts__bench_history_path(b);
        rc = prts__fail(&b->err, PRTS_E_FILE_NOT_FOUND,
                        "%s: no benchmark results (prts_bench_run appends them while "
                        "PRTS_BENCH_OUTPUT_DIR is set)", path ? path : "?");
        free(path);
    }
    if (rc == PRTS_OK &&
        prts__bench_regressions(history, b->threshold, (int)b->baseline_runs, &regs,
                                &verdicts) != PRTS_OK)
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory judging the history");

    /* built in memory, then placed like every output (common/fileio.h): whole or not at all, a
     * device or FIFO written into, never replaced */
    char *page = NULL;
    size_t page_len = 0;
    FILE *mem = rc == PRTS_OK ? open_memstream(&page, &page_len) : NULL;
    if (rc == PRTS_OK && !mem)
        rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory building the dashboard");
    if (mem) {
        put_page(mem, b, history, regs, verdicts, chartjs, chartjs_len);
        if ((ferror(mem) | fclose(mem)) != 0)
            rc = prts__fail(&b->err, PRTS_E_NOMEM, "out of memory building the dashboard");
    }
    prts__outfile out;
    if (rc == PRTS_OK &&
        (rc = prts__out_open(&out, NULL, output_html, 0666, NULL, 0,
                             &b->err)) == PRTS_OK) {
        (void)prts__out_write(&out, page, page_len); /* the commit reports a failed write */
        rc = prts__out_commit(&out, &b->err);
    }
    free(page);
    free(chartjs);
    json_decref(history);
    json_decref(regs);
    json_decref(verdicts);
    return rc;
}
