/* backend/opencl.c: the OpenCL backend (any OpenCL 1.2 platform through the ICD loader:
 * PoCL on the CPU in tests, a GPU where one is present).
 *
 * Work split per band (docs/architecture.md §3):
 *  - the host classifies the band's tiles: a "full" tile holds t*t whole payload pixels and
 *    gets a slot in a packed buffer; every other tile is padding (all zero) or partial (it
 *    holds the end of the payload);
 *  - encode: the host copies each full tile's contiguous payload span into its slot of a
 *    pinned staging buffer; the device permutes the slots into rows (through the inverse
 *    tables of layout/hilbert.h, plus the code-mode colouring; see kernel_source); padding
 *    pixels become zero on the device and partial tiles are redone on the host by
 *    prts__scalar_encode_tile() after the rows are back;
 *  - decode: the device gathers the rows of full tiles into slots, the host copies each slot
 *    to payload + d0*4 and decodes the partial tile itself.
 * A band is cut into up to CHUNKS groups of strips with non-blocking transfers, so the host
 * packs (encode) or scatters (decode) one group while the device works on another.
 *
 * Process-wide: the probe (platform/device choice, cached with pthread_once) and one context
 * and program, built once on the first create() and kept for the life of the process
 * (building is the slow part; every handle that picks "opencl" shares them).  Per handle:
 * a command queue, its kernels and device buffers reused across bands (grown when needed,
 * each kept below CL_DEVICE_MAX_MEM_ALLOC_SIZE).
 *
 * Environment:
 *   PIXELRTS_OPENCL_DEVICE=N   use the N-th device (0-based) counting the devices of every
 *                              platform in the order the ICD loader lists them (platform 0's
 *                              devices first, as `clinfo -l` shows them).  Without it the
 *                              first GPU is used, else the first device of any type.
 *   PIXELRTS_OPENCL_KERNEL=px|row  force a shape of the kernels (see kernel_source; a testing
 *                              aid: by default CPU devices get "row", others "px").
 *   PIXELRTS_OPENCL_PROFILE=1  time every kernel on the device (a profiling queue), for
 *                              bench_opencl: prts__opencl_kernel_seconds() returns the sum.
 * Both are read once, by the first probe of the process.
 *
 * Every OpenCL failure becomes PRTS_E_BACKEND_UNAVAILABLE naming the call and the error code. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

#define BAND_TARGET ((size_t)16 << 20) /* bytes of rows per band */
#define CHUNKS 4                       /* transfer/compute groups per band */
#define NOT_FULL 0xffffffffu           /* tile info of padding and partial tiles */

/* info[tile] = slot << 2 | orientation for full tiles, NOT_FULL otherwise; inv = the four
 * 256-entry tables of prts__layout; code = code_r then code_a.  Two shapes of the same
 * transform: "px" kernels have one work-item per pixel (global id = column, band row:
 * coalesced rows for GPUs), "row" kernels one per row of a tile (global id = tile, band row:
 * a 16-pixel loop that suits CPU devices such as PoCL, about twice as fast there). */
static const char kernel_source[] =
    "#define NOT_FULL 0xffffffffu\n"
    "uint colour(uint v, __constant uchar *code) /* (code_r[b0], b1, b2, code_a[b0]) */\n"
    "{\n"
    "    uchar4 p = as_uchar4(v); /* p.s0 = the pixel's first byte, whatever the endianness */\n"
    "    uchar b0 = p.s0;\n"
    "    p.s0 = code[b0];\n"
    "    p.s3 = code[256u + b0];\n"
    "    return as_uint(p);\n"
    "}\n"
    "\n"
    "__kernel void prts_encode_px(__global uint *rows, __global const uint *packed,\n"
    "                             __global const uint *info, __constant uchar *inv,\n"
    "                             __constant uchar *code, uint g, uint tlog2, uint tiles,\n"
    "                             uint coded)\n"
    "{\n"
    "    uint x = get_global_id(0), y = get_global_id(1), m = (1u << tlog2) - 1u;\n"
    "    uint in = info[(y >> tlog2) * tiles + (x >> tlog2)], v = 0;\n"
    "    if (in != NOT_FULL) {\n"
    "        v = packed[((in >> 2) << (2u * tlog2)) +\n"
    "                   inv[((in & 3u) << 8) + ((y & m) << tlog2) + (x & m)]];\n"
    "        if (coded)\n"
    "            v = colour(v, code);\n"
    "    }\n"
    "    rows[y * g + x] = v;\n"
    "}\n"
    "\n"
    "__kernel void prts_decode_px(__global const uint *rows, __global uint *packed,\n"
    "                             __global const uint *info, __constant uchar *inv,\n"
    "                             uint g, uint tlog2, uint tiles)\n"
    "{\n"
    "    uint x = get_global_id(0), y = get_global_id(1), m = (1u << tlog2) - 1u;\n"
    "    uint in = info[(y >> tlog2) * tiles + (x >> tlog2)];\n"
    "    if (in != NOT_FULL)\n"
    "        packed[((in >> 2) << (2u * tlog2)) +\n"
    "               inv[((in & 3u) << 8) + ((y & m) << tlog2) + (x & m)]] = rows[y * g + x];\n"
    "}\n"
    "\n"
    "__kernel void prts_encode_row(__global uint *rows, __global const uint *packed,\n"
    "                              __global const uint *info, __constant uchar *inv,\n"
    "                              __constant uchar *code, uint g, uint tlog2, uint tiles,\n"
    "                              uint coded)\n"
    "{\n"
    "    uint i = get_global_id(0), y = get_global_id(1), t = 1u << tlog2;\n"
    "    uint in = info[(y >> tlog2) * tiles + i];\n"
    "    __global uint *dst = rows + y * g + (i << tlog2);\n"
    "    if (in == NOT_FULL) {\n"
    "        for (uint lx = 0; lx < t; lx++)\n"
    "            dst[lx] = 0;\n"
    "        return;\n"
    "    }\n"
    "    __constant uchar *iv = inv + ((in & 3u) << 8) + ((y & (t - 1u)) << tlog2);\n"
    "    __global const uint *src = packed + ((in >> 2) << (2u * tlog2));\n"
    "    if (coded)\n"
    "        for (uint lx = 0; lx < t; lx++)\n"
    "            dst[lx] = colour(src[iv[lx]], code);\n"
    "    else\n"
    "        for (uint lx = 0; lx < t; lx++)\n"
    "            dst[lx] = src[iv[lx]];\n"
    "}\n"
    "\n"
    "__kernel void prts_decode_row(__global const uint *rows, __global uint *packed,\n"
    "                              __global const uint *info, __constant uchar *inv,\n"
    "                              uint g, uint tlog2, uint tiles)\n"
    "{\n"
    "    uint i = get_global_id(0), y = get_global_id(1), t = 1u << tlog2;\n"
    "    uint in = info[(y >> tlog2) * tiles + i];\n"
    "    if (in == NOT_FULL)\n"
    "        return;\n"
    "    __global const uint *src = rows + y * g + (i << tlog2);\n"
    "    __constant uchar *iv = inv + ((in & 3u) << 8) + ((y & (t - 1u)) << tlog2);\n"
    "    __global uint *dst = packed + ((in >> 2) << (2u * tlog2));\n"
    "    for (uint lx = 0; lx < t; lx++)\n"
    "        dst[iv[lx]] = src[lx];\n"
    "}\n";

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static const char *cl_error_name(cl_int err)
{
    switch (err) {
#define N(x) \
    case x: \
        return #x;
        N(CL_DEVICE_NOT_FOUND) N(CL_DEVICE_NOT_AVAILABLE) N(CL_COMPILER_NOT_AVAILABLE)
        N(CL_MEM_OBJECT_ALLOCATION_FAILURE) N(CL_OUT_OF_RESOURCES) N(CL_OUT_OF_HOST_MEMORY)
        N(CL_PROFILING_INFO_NOT_AVAILABLE) N(CL_MEM_COPY_OVERLAP) N(CL_BUILD_PROGRAM_FAILURE)
        N(CL_MAP_FAILURE) N(CL_MISALIGNED_SUB_BUFFER_OFFSET)
        N(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) N(CL_INVALID_VALUE)
        N(CL_INVALID_DEVICE_TYPE) N(CL_INVALID_PLATFORM) N(CL_INVALID_DEVICE)
        N(CL_INVALID_CONTEXT) N(CL_INVALID_QUEUE_PROPERTIES) N(CL_INVALID_COMMAND_QUEUE)
        N(CL_INVALID_HOST_PTR) N(CL_INVALID_MEM_OBJECT) N(CL_INVALID_BINARY)
        N(CL_INVALID_BUILD_OPTIONS) N(CL_INVALID_PROGRAM) N(CL_INVALID_PROGRAM_EXECUTABLE)
        N(CL_INVALID_KERNEL_NAME) N(CL_INVALID_KERNEL) N(CL_INVALID_ARG_INDEX)
        N(CL_INVALID_ARG_VALUE) N(CL_INVALID_ARG_SIZE) N(CL_INVALID_KERNEL_ARGS)
        N(CL_INVALID_WORK_DIMENSION) N(CL_INVALID_WORK_GROUP_SIZE) N(CL_INVALID_WORK_ITEM_SIZE)
        N(CL_INVALID_GLOBAL_OFFSET) N(CL_INVALID_EVENT_WAIT_LIST) N(CL_INVALID_EVENT)
        N(CL_INVALID_OPERATION) N(CL_INVALID_BUFFER_SIZE) N(CL_INVALID_GLOBAL_WORK_SIZE)
        N(CL_PLATFORM_NOT_FOUND_KHR)
#undef N
    default:
        return "OpenCL error";
    }
}

static int cl_fail(prts__err *e, const char *call, cl_int err)
{
    return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE, "OpenCL: %s failed: %s (%d)", call, cl_error_name(err),
                      (int)err);
}

/* ------------------------------------------------------------------ */
/* Probe: platform and device, once per process                         */

static struct {
    int ok;
    char why[256];
    char desc[256];
    cl_platform_id platform;
    cl_device_id device;
    cl_ulong max_alloc;
    int row_kernels; /* 1: the "row" kernels, 0: the "px" ones */
} probed;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

/* Usable: available, with a compiler (the kernels are built from source). */
static int device_usable(cl_device_id d)
{
    cl_bool avail = CL_FALSE, comp = CL_FALSE;
    if (clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof avail, &avail, NULL) != CL_SUCCESS ||
        clGetDeviceInfo(d, CL_DEVICE_COMPILER_AVAILABLE, sizeof comp, &comp, NULL) != CL_SUCCESS)
        return 0;
    return avail && comp;
}

static void probe_init(void)
{
    cl_uint nplat = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &nplat);
    if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && nplat == 0)) {
        snprintf(probed.why, sizeof probed.why,
                 "no OpenCL platform (is an ICD such as pocl-opencl-icd installed?)");
        return;
    }
    if (err != CL_SUCCESS) {
        snprintf(probed.why, sizeof probed.why, "clGetPlatformIDs failed: %s (%d)",
                 cl_error_name(err), (int)err);
        return;
    }
    cl_platform_id *plats = calloc(nplat, sizeof *plats);
    if (!plats || clGetPlatformIDs(nplat, plats, NULL) != CL_SUCCESS) {
        free(plats);
        snprintf(probed.why, sizeof probed.why, "cannot list the OpenCL platforms");
        return;
    }

    /* Every device of every platform, in listing order. */
    enum { MAXDEV = 64 };
    cl_device_id devs[MAXDEV];
    cl_platform_id owner[MAXDEV];
    cl_uint ndev = 0;
    for (cl_uint p = 0; p < nplat && ndev < MAXDEV; p++) {
        cl_uint n = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAXDEV - ndev, devs + ndev, &n) !=
            CL_SUCCESS)
            continue; /* CL_DEVICE_NOT_FOUND: a platform without devices */
        if (n > MAXDEV - ndev)
            n = MAXDEV - ndev;
        for (cl_uint i = 0; i < n; i++)
            owner[ndev + i] = plats[p];
        ndev += n;
    }
    free(plats);
    if (ndev == 0) {
        snprintf(probed.why, sizeof probed.why, "no OpenCL device on %u platform(s)",
                 (unsigned)nplat);
        return;
    }

    int pick = -1;
    const char *env = getenv("PIXELRTS_OPENCL_DEVICE");
    if (env && *env) {
        char *end = NULL;
        long n = strtol(env, &end, 10);
        if (*end || n < 0 || n >= (long)ndev) {
            snprintf(probed.why, sizeof probed.why,
                     "PIXELRTS_OPENCL_DEVICE=%.32s names no device (there are %u, from 0)", env,
                     (unsigned)ndev);
            return;
        }
        pick = (int)n;
        if (!device_usable(devs[pick])) {
            snprintf(probed.why, sizeof probed.why,
                     "OpenCL device %d is not available or has no compiler", pick);
            return;
        }
    } else {
        for (int pass = 0; pass < 2 && pick < 0; pass++) {
            for (cl_uint i = 0; i < ndev && pick < 0; i++) {
                cl_device_type type = 0;
                if (clGetDeviceInfo(devs[i], CL_DEVICE_TYPE, sizeof type, &type, NULL) !=
                    CL_SUCCESS)
                    continue;
                if ((pass == 1 || (type & CL_DEVICE_TYPE_GPU)) && device_usable(devs[i]))
                    pick = (int)i;
            }
        }
        if (pick < 0) {
            snprintf(probed.why, sizeof probed.why,
                     "none of the %u OpenCL device(s) is available with a compiler",
                     (unsigned)ndev);
            return;
        }
    }

    char pname[112] = "", dname[112] = "";
    clGetPlatformInfo(owner[pick], CL_PLATFORM_NAME, sizeof pname - 1, pname, NULL);
    clGetDeviceInfo(devs[pick], CL_DEVICE_NAME, sizeof dname - 1, dname, NULL);
    trim(pname);
    trim(dname);
    cl_ulong max_alloc = 0;
    if (clGetDeviceInfo(devs[pick], CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc,
                        NULL) != CL_SUCCESS ||
        max_alloc < ((cl_ulong)1 << 20)) {
        snprintf(probed.why, sizeof probed.why, "OpenCL device '%s' allows no 1 MiB buffer",
                 dname);
        return;
    }
    /* The tile table and the pixels cross as 32-bit words: the byte orders must agree. */
    const uint16_t one = 1;
    cl_bool little = CL_TRUE;
    clGetDeviceInfo(devs[pick], CL_DEVICE_ENDIAN_LITTLE, sizeof little, &little, NULL);
    if (!little != (*(const uint8_t *)&one == 0)) {
        snprintf(probed.why, sizeof probed.why,
                 "OpenCL device '%s' has another byte order than the host", dname);
        return;
    }
    cl_device_type type = 0;
    clGetDeviceInfo(devs[pick], CL_DEVICE_TYPE, sizeof type, &type, NULL);
    const char *shape = getenv("PIXELRTS_OPENCL_KERNEL");
    if (shape && strcmp(shape, "px") == 0)
        probed.row_kernels = 0;
    else if (shape && strcmp(shape, "row") == 0)
        probed.row_kernels = 1;
    else
        probed.row_kernels = (type & CL_DEVICE_TYPE_CPU) != 0;
    snprintf(probed.desc, sizeof probed.desc, "OpenCL: %s / %s", pname, dname);
    probed.platform = owner[pick];
    probed.device = devs[pick];
    probed.max_alloc = max_alloc;
    probed.ok = 1;
}

static int ocl_probe(char *why, size_t why_len)
{
    pthread_once(&probe_once, probe_init);
    if (!probed.ok && why && why_len)
        snprintf(why, why_len, "%s", probed.why);
    return probed.ok;
}

static void ocl_describe(char *buf, size_t len)
{
    pthread_once(&probe_once, probe_init);
    if (buf && len)
        snprintf(buf, len, "%s", probed.ok ? probed.desc : "OpenCL: unavailable");
}

/* ------------------------------------------------------------------ */
/* Context and program: built once per process, on the first create()   */

static struct {
    cl_context ctx;
    cl_program prog;
    int code; /* PRTS_OK once built */
    char msg[PRTS__ERRMSG_MAX];
} shared;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void shared_init(void)
{
    prts__err e = {0};
    cl_int err = CL_SUCCESS;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)probed.platform,
                                     0};
    shared.ctx = clCreateContext(props, 1, &probed.device, NULL, NULL, &err);
    if (!shared.ctx) {
        shared.code = cl_fail(&e, "clCreateContext", err);
        goto out;
    }
    const char *src = kernel_source;
    shared.prog = clCreateProgramWithSource(shared.ctx, 1, &src, NULL, &err);
    if (!shared.prog) {
        shared.code = cl_fail(&e, "clCreateProgramWithSource", err);
        goto out;
    }
    err = clBuildProgram(shared.prog, 1, &probed.device, "", NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[512] = "";
        clGetProgramBuildInfo(shared.prog, probed.device, CL_PROGRAM_BUILD_LOG, sizeof log - 1,
                              log, NULL);
        trim(log);
        shared.code = prts__fail(&e, PRTS_E_BACKEND_UNAVAILABLE, "OpenCL: clBuildProgram failed: %s (%d)%s%s",
                                 cl_error_name(err), (int)err, *log ? ": " : "", log);
        clReleaseProgram(shared.prog);
        shared.prog = NULL;
        goto out;
    }
    shared.code = PRTS_OK;
out:
    if (shared.code != PRTS_OK) {
        memcpy(shared.msg, e.msg, sizeof shared.msg);
        if (shared.ctx)
            clReleaseContext(shared.ctx);
        shared.ctx = NULL;
    }
}

/* ------------------------------------------------------------------ */
/* Per-handle state                                                     */

typedef struct ocl_state {
    cl_command_queue queue;
    cl_kernel kenc, kdec;
    cl_mem inv_buf, code_buf;   /* 4 x 256 and 2 x 256 bytes, read-only */
    cl_mem rows_buf;            /* the band's rows (4*g bytes each, packed) */
    cl_mem packed_buf;          /* the full tiles' payload spans, slot by slot */
    cl_mem info_buf;            /* one uint per tile */
    size_t rows_cap, packed_cap, info_cap;
    cl_mem stage_buf;           /* pinned host staging of the packed spans, kept mapped */
    uint8_t *stage;
    size_t stage_cap;
    uint32_t *info; /* host copy of the tile info */
    size_t info_n;
    uint8_t inv[4 * 256];       /* what inv_buf holds, for tile side inv_tile (0 = none) */
    uint32_t inv_tile;
    uint8_t code[512];          /* what code_buf holds, if code_ok */
    int code_ok;
    int profile;                /* PIXELRTS_OPENCL_PROFILE: kernels are timed */
    cl_event kernel_done[CHUNKS]; /* this band's kernels, when profiling */
    uint32_t nkernels;
    double kernel_seconds;      /* their device time so far */
} ocl_state;

/* Add the device time of the band's kernels (all finished) to kernel_seconds. */
static void collect_kernel_time(ocl_state *st)
{
    for (uint32_t i = 0; i < st->nkernels; i++) {
        cl_ulong t0 = 0, t1 = 0;
        if (st->kernel_done[i] &&
            clGetEventProfilingInfo(st->kernel_done[i], CL_PROFILING_COMMAND_START, sizeof t0, &t0,
                                    NULL) == CL_SUCCESS &&
            clGetEventProfilingInfo(st->kernel_done[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1,
                                    NULL) == CL_SUCCESS &&
            t1 > t0)
            st->kernel_seconds += (double)(t1 - t0) * 1e-9;
        if (st->kernel_done[i])
            clReleaseEvent(st->kernel_done[i]);
        st->kernel_done[i] = NULL;
    }
    st->nkernels = 0;
}

double prts__opencl_kernel_seconds(void *state, int reset)
{
    ocl_state *st = state;
    double s = st ? st->kernel_seconds : 0;
    if (st && reset)
        st->kernel_seconds = 0;
    return s;
}

static void ocl_destroy(void *vst)
{
    ocl_state *st = vst;
    if (!st)
        return;
    if (st->queue) {
        clFinish(st->queue);
        collect_kernel_time(st);
        if (st->stage_buf && st->stage) {
            clEnqueueUnmapMemObject(st->queue, st->stage_buf, st->stage, 0, NULL, NULL);
            clFinish(st->queue);
        }
    }
    cl_mem bufs[] = {st->inv_buf,  st->code_buf, st->rows_buf,
                     st->packed_buf, st->info_buf, st->stage_buf};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        if (bufs[i])
            clReleaseMemObject(bufs[i]);
    if (st->kenc)
        clReleaseKernel(st->kenc);
    if (st->kdec)
        clReleaseKernel(st->kdec);
    if (st->queue)
        clReleaseCommandQueue(st->queue);
    free(st->info);
    free(st);
}

static int ocl_create(void **out, prts__err *e)
{
    *out = NULL;
    pthread_once(&probe_once, probe_init);
    if (!probed.ok)
        return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE, "OpenCL unavailable: %s", probed.why);
    pthread_once(&shared_once, shared_init);
    if (shared.code != PRTS_OK)
        return prts__fail(e, shared.code, "%s", shared.msg);

    ocl_state *st = calloc(1, sizeof *st);
    if (!st)
        return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the OpenCL backend state");
    cl_int err = CL_SUCCESS;
    const char *call = "clCreateCommandQueue";
    const char *profile = getenv("PIXELRTS_OPENCL_PROFILE");
    st->profile = profile && strcmp(profile, "1") == 0;
    st->queue = clCreateCommandQueue(shared.ctx, probed.device,
                                     st->profile ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
    if (!st->queue)
        goto fail;
    call = "clCreateKernel";
    int row = probed.row_kernels;
    st->kenc = clCreateKernel(shared.prog, row ? "prts_encode_row" : "prts_encode_px", &err);
    if (!st->kenc)
        goto fail;
    st->kdec = clCreateKernel(shared.prog, row ? "prts_decode_row" : "prts_decode_px", &err);
    if (!st->kdec)
        goto fail;
    call = "clCreateBuffer";
    st->inv_buf = clCreateBuffer(shared.ctx, CL_MEM_READ_ONLY, sizeof st->inv, NULL, &err);
    if (!st->inv_buf)
        goto fail;
    st->code_buf = clCreateBuffer(shared.ctx, CL_MEM_READ_ONLY, sizeof st->code, NULL, &err);
    if (!st->code_buf)
        goto fail;
    *out = st;
    return PRTS_OK;
fail:
    ocl_destroy(st);
    return cl_fail(e, call, err);
}

/* Strips per band: about BAND_TARGET bytes of rows, each buffer below the device's limit. */
static uint32_t ocl_band_strips(void *vst, const prts__layout *lay)
{
    (void)vst;
    uint64_t strip = (uint64_t)lay->tile * lay->grid * 4;
    uint64_t cap = probed.max_alloc ? probed.max_alloc : BAND_TARGET;
    uint64_t n = BAND_TARGET / strip;
    if (n * strip > cap)
        n = cap / strip;
    if (n < 1)
        n = 1;
    if (n > lay->strips)
        n = lay->strips;
    return (uint32_t)n;
}

/* Make a device buffer hold at least `need` bytes (contents not kept). */
static int grow(cl_mem *buf, size_t *cap, size_t need, cl_mem_flags flags, prts__err *e)
{
    if (need <= *cap && *buf)
        return PRTS_OK;
    if (need > probed.max_alloc)
        return prts__fail(e, PRTS_E_BACKEND_UNAVAILABLE,
                          "OpenCL: a %zu-byte buffer exceeds the device's %llu-byte limit",
                          need, (unsigned long long)probed.max_alloc);
    if (*buf)
        clReleaseMemObject(*buf);
    *buf = NULL;
    *cap = 0;
    cl_int err = CL_SUCCESS;
    *buf = clCreateBuffer(shared.ctx, flags, need, NULL, &err);
    if (!*buf)
        return cl_fail(e, "clCreateBuffer", err);
    *cap = need;
    return PRTS_OK;
}

/* The pinned staging buffer, mapped for the host for as long as it lives. */
static int grow_stage(ocl_state *st, size_t need, prts__err *e)
{
    if (need <= st->stage_cap && st->stage)
        return PRTS_OK;
    if (st->stage) {
        clEnqueueUnmapMemObject(st->queue, st->stage_buf, st->stage, 0, NULL, NULL);
        clFinish(st->queue);
        st->stage = NULL;
    }
    int rc = grow(&st->stage_buf, &st->stage_cap, need, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR,
                  e);
    if (rc)
        return rc;
    cl_int err = CL_SUCCESS;
    st->stage = clEnqueueMapBuffer(st->queue, st->stage_buf, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
                                   need, 0, NULL, NULL, &err);
    if (!st->stage) {
        clReleaseMemObject(st->stage_buf);
        st->stage_buf = NULL;
        st->stage_cap = 0;
        return cl_fail(e, "clEnqueueMapBuffer", err);
    }
    return PRTS_OK;
}

/* One band's plan: geometry, and the groups of strips that move together. */
typedef struct plan {
    uint32_t t, tlog2, g, tiles;
    size_t span;      /* bytes of a tile's payload: 4*t*t */
    size_t row_bytes; /* 4*g */
    size_t ntiles;
    uint32_t nchunks;
    uint32_t strip0[CHUNKS + 1]; /* chunk c = strips strip0[c] .. strip0[c+1]-1 */
    size_t slot0[CHUNKS + 1];    /* and slots slot0[c] .. slot0[c+1]-1 */
} plan;

/* Classify the band's tiles, size the buffers, upload the tables and the tile info. */
static int prepare(ocl_state *st, const prts__band *band, plan *pl, prts__err *e)
{
    const prts__layout *lay = band->lay;
    pl->t = lay->tile;
    pl->tlog2 = lay->tile_log2;
    pl->g = lay->grid;
    pl->tiles = lay->tiles;
    pl->span = (size_t)pl->t * pl->t * 4;
    pl->row_bytes = (size_t)pl->g * 4;
    pl->ntiles = (size_t)band->nstrips * pl->tiles;
    pl->nchunks = band->nstrips < CHUNKS ? band->nstrips : CHUNKS;
    for (uint32_t c = 0; c <= pl->nchunks; c++)
        pl->strip0[c] = (uint32_t)((uint64_t)band->nstrips * c / pl->nchunks);

    if (pl->ntiles > st->info_n) {
        uint32_t *p = realloc(st->info, pl->ntiles * sizeof *p);
        if (!p)
            return prts__fail(e, PRTS_E_NOMEM, "cannot allocate the OpenCL tile table");
        st->info = p;
        st->info_n = pl->ntiles;
    }
    uint64_t full = band->len / 4, area = (uint64_t)pl->t * pl->t;
    size_t slot = 0;
    for (uint32_t c = 0; c < pl->nchunks; c++) {
        pl->slot0[c] = slot;
        size_t k1 = (size_t)pl->strip0[c + 1] * pl->tiles;
        for (size_t k = (size_t)pl->strip0[c] * pl->tiles; k < k1; k++) {
            const prts__tile *tl = &band->tiles[k];
            st->info[k] = tl->d0 + area <= full ? (uint32_t)(slot++ << 2 | (tl->orient & 3u))
                                                : NOT_FULL;
        }
    }
    pl->slot0[pl->nchunks] = slot;
    if (slot == 0)
        return PRTS_OK; /* nothing for the device */

    size_t band_bytes = (size_t)band->nstrips * pl->t * pl->row_bytes;
    int rc;
    if ((rc = grow(&st->rows_buf, &st->rows_cap, band_bytes, CL_MEM_READ_WRITE, e)) ||
        (rc = grow(&st->packed_buf, &st->packed_cap, slot * pl->span, CL_MEM_READ_WRITE, e)) ||
        (rc = grow(&st->info_buf, &st->info_cap, pl->ntiles * 4, CL_MEM_READ_ONLY, e)) ||
        (rc = grow_stage(st, slot * pl->span, e)))
        return rc;

    /* Nothing is in flight between bands, so the host copies may change now. */
    cl_int err;
    /* Only the first t*t entries of each table are defined (and read by the kernels). */
    uint8_t inv[sizeof st->inv] = {0};
    for (int o = 0; o < 4; o++)
        memcpy(inv + o * 256, lay->inv[o], (size_t)pl->t * pl->t);
    if (st->inv_tile != pl->t || memcmp(st->inv, inv, sizeof inv) != 0) {
        memcpy(st->inv, inv, sizeof inv);
        st->inv_tile = 0;
        err = clEnqueueWriteBuffer(st->queue, st->inv_buf, CL_FALSE, 0, sizeof st->inv, st->inv,
                                   0, NULL, NULL);
        if (err != CL_SUCCESS)
            return cl_fail(e, "clEnqueueWriteBuffer", err);
        st->inv_tile = pl->t;
    }
    if (band->code_r) {
        uint8_t code[512];
        memcpy(code, band->code_r, 256);
        memcpy(code + 256, band->code_a, 256);
        if (!st->code_ok || memcmp(code, st->code, sizeof code) != 0) {
            memcpy(st->code, code, sizeof code);
            st->code_ok = 0;
            err = clEnqueueWriteBuffer(st->queue, st->code_buf, CL_FALSE, 0, sizeof st->code,
                                       st->code, 0, NULL, NULL);
            if (err != CL_SUCCESS)
                return cl_fail(e, "clEnqueueWriteBuffer", err);
            st->code_ok = 1;
        }
    }
    err = clEnqueueWriteBuffer(st->queue, st->info_buf, CL_FALSE, 0, pl->ntiles * 4, st->info, 0,
                               NULL, NULL);
    if (err != CL_SUCCESS)
        return cl_fail(e, "clEnqueueWriteBuffer", err);
    return PRTS_OK;
}

/* Move band rows r0 .. r0+nr-1 between the device and the host (non-blocking). */
static cl_int move_rows(ocl_state *st, const prts__band *band, const plan *pl, size_t r0,
                        size_t nr, int to_host, cl_event *ev)
{
    uint8_t *host = band->rows + r0 * band->stride;
    if (band->stride == pl->row_bytes)
        return to_host ? clEnqueueReadBuffer(st->queue, st->rows_buf, CL_FALSE, r0 * pl->row_bytes,
                                             nr * pl->row_bytes, host, 0, NULL, ev)
                       : clEnqueueWriteBuffer(st->queue, st->rows_buf, CL_FALSE,
                                              r0 * pl->row_bytes, nr * pl->row_bytes, host, 0,
                                              NULL, ev);
    size_t dev_origin[3] = {0, r0, 0}, host_origin[3] = {0, 0, 0};
    size_t region[3] = {pl->row_bytes, nr, 1};
    return to_host ? clEnqueueReadBufferRect(st->queue, st->rows_buf, CL_FALSE, dev_origin,
                                             host_origin, region, pl->row_bytes, 0, band->stride,
                                             0, host, 0, NULL, ev)
                   : clEnqueueWriteBufferRect(st->queue, st->rows_buf, CL_FALSE, dev_origin,
                                              host_origin, region, pl->row_bytes, 0, band->stride,
                                              0, host, 0, NULL, ev);
}

static cl_int set_args(cl_kernel k, const ocl_state *st, const plan *pl, int enc, int coded)
{
    cl_uint g = pl->g, tlog2 = pl->tlog2, tiles = pl->tiles, cd = (cl_uint)coded, i = 0;
    cl_int err = CL_SUCCESS;
    err |= clSetKernelArg(k, i++, sizeof(cl_mem), &st->rows_buf);
    err |= clSetKernelArg(k, i++, sizeof(cl_mem), &st->packed_buf);
    err |= clSetKernelArg(k, i++, sizeof(cl_mem), &st->info_buf);
    err |= clSetKernelArg(k, i++, sizeof(cl_mem), &st->inv_buf);
    if (enc)
        err |= clSetKernelArg(k, i++, sizeof(cl_mem), &st->code_buf);
    err |= clSetKernelArg(k, i++, sizeof g, &g);
    err |= clSetKernelArg(k, i++, sizeof tlog2, &tlog2);
    err |= clSetKernelArg(k, i++, sizeof tiles, &tiles);
    if (enc)
        err |= clSetKernelArg(k, i++, sizeof cd, &cd);
    return err == CL_SUCCESS ? CL_SUCCESS : CL_INVALID_ARG_VALUE;
}

static cl_int run_kernel(ocl_state *st, cl_kernel k, const plan *pl, uint32_t c)
{
    size_t off[2] = {0, (size_t)pl->strip0[c] * pl->t};
    size_t gsz[2] = {probed.row_kernels ? pl->tiles : pl->g,
                     (size_t)(pl->strip0[c + 1] - pl->strip0[c]) * pl->t};
    cl_event *ev = st->profile && st->nkernels < CHUNKS ? &st->kernel_done[st->nkernels++] : NULL;
    return clEnqueueNDRangeKernel(st->queue, k, 2, off, gsz, NULL, 0, NULL, ev);
}

/* After a failure: let everything in flight end before the host buffers go away. */
static int drain(ocl_state *st, int rc)
{
    clFinish(st->queue);
    collect_kernel_time(st);
    return rc;
}

#define CK(call, expr) \
    do { \
        cl_int err_ = (expr); \
        if (err_ != CL_SUCCESS) \
            return drain(st, cl_fail(e, call, err_)); \
    } while (0)

static int ocl_encode(void *vst, const prts__band *band, const uint8_t *payload, prts__err *e)
{
    ocl_state *st = vst;
    plan pl;
    int rc = prepare(st, band, &pl, e);
    if (rc)
        return drain(st, rc);
    if (pl.slot0[pl.nchunks] > 0) {
        CK("clSetKernelArg", set_args(st->kenc, st, &pl, 1, band->code_r != NULL));
        for (uint32_t c = 0; c < pl.nchunks; c++) {
            size_t r0 = (size_t)pl.strip0[c] * pl.t;
            size_t nr = (size_t)(pl.strip0[c + 1] - pl.strip0[c]) * pl.t;
            size_t a = pl.slot0[c], b = pl.slot0[c + 1];
            if (a == b) { /* no full tile here: zeros now, partial tiles below */
                for (size_t r = 0; r < nr; r++)
                    memset(band->rows + (r0 + r) * band->stride, 0, pl.row_bytes);
                continue;
            }
            /* Pack this group while the device works on the previous one. */
            size_t k1 = (size_t)pl.strip0[c + 1] * pl.tiles;
            for (size_t k = (size_t)pl.strip0[c] * pl.tiles; k < k1; k++)
                if (st->info[k] != NOT_FULL)
                    memcpy(st->stage + (size_t)(st->info[k] >> 2) * pl.span,
                           payload + band->tiles[k].d0 * 4, pl.span);
            CK("clEnqueueWriteBuffer",
               clEnqueueWriteBuffer(st->queue, st->packed_buf, CL_FALSE, a * pl.span,
                                    (b - a) * pl.span, st->stage + a * pl.span, 0, NULL, NULL));
            CK("clEnqueueNDRangeKernel", run_kernel(st, st->kenc, &pl, c));
            CK("clEnqueueReadBuffer", move_rows(st, band, &pl, r0, nr, 1, NULL));
            CK("clFlush", clFlush(st->queue));
        }
        CK("clFinish", clFinish(st->queue));
        collect_kernel_time(st);
    } else {
        for (size_t r = 0; r < (size_t)band->nstrips * pl.t; r++)
            memset(band->rows + r * band->stride, 0, pl.row_bytes);
    }
    /* Partial tiles (the end of the payload) on the host, as the scalar backend does them. */
    uint64_t used = (band->len + 3) / 4;
    for (size_t k = 0; k < pl.ntiles; k++)
        if (st->info[k] == NOT_FULL && band->tiles[k].d0 < used)
            prts__scalar_encode_tile(band, (uint32_t)(k / pl.tiles), (uint32_t)(k % pl.tiles),
                                     payload);
    return PRTS_OK;
}

static int ocl_decode(void *vst, const prts__band *band, uint8_t *payload, prts__err *e)
{
    ocl_state *st = vst;
    plan pl;
    int rc = prepare(st, band, &pl, e);
    if (rc)
        return drain(st, rc);
    if (pl.slot0[pl.nchunks] > 0) {
        cl_event done[CHUNKS] = {0};
        cl_int err = set_args(st->kdec, st, &pl, 0, 0);
        const char *call = "clSetKernelArg";
        for (uint32_t c = 0; err == CL_SUCCESS && c < pl.nchunks; c++) {
            size_t a = pl.slot0[c], b = pl.slot0[c + 1];
            if (a == b)
                continue;
            size_t r0 = (size_t)pl.strip0[c] * pl.t;
            size_t nr = (size_t)(pl.strip0[c + 1] - pl.strip0[c]) * pl.t;
            call = "clEnqueueWriteBuffer";
            if ((err = move_rows(st, band, &pl, r0, nr, 0, NULL)) != CL_SUCCESS)
                break;
            call = "clEnqueueNDRangeKernel";
            if ((err = run_kernel(st, st->kdec, &pl, c)) != CL_SUCCESS)
                break;
            call = "clEnqueueReadBuffer";
            if ((err = clEnqueueReadBuffer(st->queue, st->packed_buf, CL_FALSE, a * pl.span,
                                           (b - a) * pl.span, st->stage + a * pl.span, 0, NULL,
                                           &done[c])) != CL_SUCCESS)
                break;
        }
        if (err == CL_SUCCESS) {
            call = "clFlush";
            err = clFlush(st->queue);
        }
        /* Scatter each group as soon as it is back, while later ones are still moving. */
        for (uint32_t c = 0; err == CL_SUCCESS && c < pl.nchunks; c++) {
            if (!done[c])
                continue;
            call = "clWaitForEvents";
            if ((err = clWaitForEvents(1, &done[c])) != CL_SUCCESS)
                break;
            size_t k1 = (size_t)pl.strip0[c + 1] * pl.tiles;
            for (size_t k = (size_t)pl.strip0[c] * pl.tiles; k < k1; k++)
                if (st->info[k] != NOT_FULL)
                    memcpy(payload + band->tiles[k].d0 * 4,
                           st->stage + (size_t)(st->info[k] >> 2) * pl.span, pl.span);
        }
        if (err != CL_SUCCESS)
            clFinish(st->queue);
        collect_kernel_time(st);
        for (uint32_t c = 0; c < pl.nchunks; c++)
            if (done[c])
                clReleaseEvent(done[c]);
        if (err != CL_SUCCESS)
            return cl_fail(e, call, err);
    }
    uint64_t used = (band->len + 3) / 4;
    for (size_t k = 0; k < pl.ntiles; k++)
        if (st->info[k] == NOT_FULL && band->tiles[k].d0 < used)
            prts__scalar_decode_tile(band, (uint32_t)(k / pl.tiles), (uint32_t)(k % pl.tiles),
                                     payload);
    return PRTS_OK;
}

const prts__backend_ops prts__backend_opencl = {
    .name = "opencl",
    .host_cpu = 0, /* a device (even PoCL's CPU one): not a candidate for `auto` */
    .probe = ocl_probe,
    .create = ocl_create,
    .destroy = ocl_destroy,
    .band_strips = ocl_band_strips,
    .encode = ocl_encode,
    .decode = ocl_decode,
    .describe = ocl_describe,
};
