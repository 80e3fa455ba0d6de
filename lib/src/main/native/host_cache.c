/*
 * A caching allocator for libtorch's large CPU tensors, installed into libc10.so's global offset table.
 *
 * Why: libtorch takes every tensor's memory from c10::alloc_cpu (posix_memalign) and gives it back with free(). In
 * glibc, a block above the mmap threshold (32 MB at most, and every block above 64 MB in a thread's arena, which is
 * where a JVM's threads allocate) is a fresh mmap, and freeing it unmaps it. A training step that allocates the same
 * large tensors every step (GPT-2's [8 x 128, 50257] logits and their gradients are 200 MB each) therefore
 * first-touches them again every step: ~210,000 page faults per GPT-2-small prefix-tuning step, 0.6-2 s of kernel
 * time per step (BENCHMARKS.md). PyTorch's GPU allocator caches blocks for the same reason; on the CPU it leaves this
 * to the C library (Intel's tuning guide preloads jemalloc or tcmalloc). A JVM cannot change its C library's
 * behaviour after start-up (glibc reads its tunables once), so this library keeps freed large blocks itself, for
 * libc10 only.
 *
 * How: softprompt_host_cache_install() rewrites libc10.so's relocated entries for posix_memalign and free (its PLT
 * slots and any address-taken copy) to point here. Requests of at least min_bytes are rounded up to a size class
 * (at most 1/8 above the request), served from the smallest freed block of that class or up to 1/4 above it when
 * there is one and from the C library otherwise; every such block is remembered in a table, so free() knows which
 * pointers are ours and passes every other one to the C library. Freed blocks stay cached while the cache holds at
 * most cap_bytes (the oldest released first) and for at most decay_seconds without being reused. Nothing else in the
 * process is affected: other libraries keep calling the C library directly, and libc10 pairs its own posix_memalign
 * and free (c10::alloc_cpu / c10::free_cpu).
 *
 * org.softprompt.HostMemoryCache installs it after DJL has loaded libtorch. Built by build.sh.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The table of our blocks: open addressing, linear probing, deletion by backward shift (no tombstones). */
#define TABLE_SLOTS (1u << 16)
#define MAX_CACHED 4096

typedef struct {
    uintptr_t ptr; /* 0: empty */
    size_t size;   /* the rounded size actually allocated */
    int cached;    /* 1 while in the free cache */
} slot_t;

static slot_t table[TABLE_SLOTS];
static size_t table_used;
/* Cached (free) blocks in the order they were freed: index 0 is the oldest. */
static uintptr_t cached_ptr[MAX_CACHED];
static size_t cached_size[MAX_CACHED];
static time_t cached_since[MAX_CACHED];
static size_t cached_count;
static size_t cached_bytes;

static size_t min_bytes = (size_t) 1 << 20;
static size_t cap_bytes = (size_t) 2 << 30;
/* A cached block not reused for this many seconds is released (0: kept until the capacity is reached). */
static time_t decay_seconds = 10;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Counters: requests served from the cache, requests passed to the C library, blocks released to it, blocks not
 * tracked (table full), frees of a block already cached (ignored). */
static uint64_t hits, misses, releases, untracked, double_frees;

static size_t slot_of(uintptr_t p) {
    uint64_t h = (uint64_t) p * 0x9E3779B97F4A7C15ull;
    return (size_t) (h >> 48) & (TABLE_SLOTS - 1);
}

static slot_t *find(uintptr_t p) {
    for (size_t i = slot_of(p);; i = (i + 1) & (TABLE_SLOTS - 1)) {
        if (table[i].ptr == p) return &table[i];
        if (table[i].ptr == 0) return NULL;
    }
}

static int insert(uintptr_t p, size_t size) {
    if (table_used >= TABLE_SLOTS / 2) return 0; /* keep probes short: beyond this, blocks go untracked */
    size_t i = slot_of(p);
    while (table[i].ptr != 0) i = (i + 1) & (TABLE_SLOTS - 1);
    table[i].ptr = p;
    table[i].size = size;
    table[i].cached = 0;
    table_used++;
    return 1;
}

static void erase(slot_t *s) {
    size_t i = (size_t) (s - table);
    table[i].ptr = 0;
    table_used--;
    /* backward-shift the following run so that every entry stays reachable from its home slot */
    for (size_t j = (i + 1) & (TABLE_SLOTS - 1); table[j].ptr != 0; j = (j + 1) & (TABLE_SLOTS - 1)) {
        size_t home = slot_of(table[j].ptr);
        int between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!between) {
            table[i] = table[j];
            table[j].ptr = 0;
            i = j;
        }
    }
}

/* The size class of a request: a multiple of 1/8 of its highest power of two (and of a page). */
static size_t size_class(size_t size) {
    size_t top = (size_t) 1 << (63 - __builtin_clzll((unsigned long long) size));
    size_t step = top >> 3 < 4096 ? 4096 : top >> 3;
    return (size + step - 1) & ~(step - 1);
}

static void remove_cached_at(size_t k) {
    cached_bytes -= cached_size[k];
    memmove(&cached_ptr[k], &cached_ptr[k + 1], (cached_count - k - 1) * sizeof(uintptr_t));
    memmove(&cached_size[k], &cached_size[k + 1], (cached_count - k - 1) * sizeof(size_t));
    memmove(&cached_since[k], &cached_since[k + 1], (cached_count - k - 1) * sizeof(time_t));
    cached_count--;
}

/* Releases the oldest cached block to the C library (lock held). */
static void release_oldest(void) {
    uintptr_t p = cached_ptr[0];
    remove_cached_at(0);
    slot_t *s = find(p);
    if (s != NULL) erase(s);
    releases++;
    free((void *) p);
}

/* Releases the blocks that have waited longer than decay_seconds (lock held): a training loop reuses its blocks
 * every step, while a workload whose shapes keep changing (batches of varying lengths) would otherwise fill the
 * cache with blocks nobody asks for again. Blocks are kept in the order they were freed, so the oldest is first. */
static void release_stale(void) {
    if (decay_seconds <= 0 || cached_count == 0) return;
    time_t now = time(NULL);
    while (cached_count > 0 && now - cached_since[0] >= decay_seconds) release_oldest();
}

static int cached_posix_memalign(void **out, size_t alignment, size_t size) {
    if (size < min_bytes) return posix_memalign(out, alignment, size);
    size_t rounded = size_class(size);
    pthread_mutex_lock(&lock);
    release_stale();
    /* The smallest cached block that holds the request and is at most 1/4 larger (so that batches of varying
     * lengths reuse each other's blocks instead of filling the cache with near misses); among equals the newest,
     * the likeliest to be warm in the CPU's caches. */
    size_t best = cached_count, limit = rounded + rounded / 4;
    for (size_t k = cached_count; k-- > 0;) {
        size_t held = cached_size[k];
        if (held >= rounded && held <= limit && cached_ptr[k] % alignment == 0
                && (best == cached_count || held < cached_size[best])) {
            best = k;
            if (held == rounded) break;
        }
    }
    if (best < cached_count) {
        uintptr_t p = cached_ptr[best];
        remove_cached_at(best);
        find(p)->cached = 0;
        hits++;
        pthread_mutex_unlock(&lock);
        *out = (void *) p;
        return 0;
    }
    misses++;
    pthread_mutex_unlock(&lock);
    void *p = NULL;
    int err = posix_memalign(&p, alignment, rounded);
    if (err != 0) {
        /* out of memory: give the cache back and try once more */
        pthread_mutex_lock(&lock);
        while (cached_count > 0) release_oldest();
        pthread_mutex_unlock(&lock);
        err = posix_memalign(&p, alignment, rounded);
        if (err != 0) return err;
    }
    pthread_mutex_lock(&lock);
    if (!insert((uintptr_t) p, rounded)) untracked++;
    pthread_mutex_unlock(&lock);
    *out = p;
    return 0;
}

static void cached_free(void *ptr) {
    if (ptr == NULL) return;
    pthread_mutex_lock(&lock);
    slot_t *s = find((uintptr_t) ptr);
    if (s == NULL) { /* not ours: the C library's business */
        pthread_mutex_unlock(&lock);
        free(ptr);
        return;
    }
    if (s->cached) {
        /* freed twice (a bug in the caller): the block is already cached; handing it to the C library as well would
         * let both give it out again */
        double_frees++;
        pthread_mutex_unlock(&lock);
        return;
    }
    size_t size = s->size;
    if (size > cap_bytes) {
        erase(s);
        releases++;
        pthread_mutex_unlock(&lock);
        free(ptr);
        return;
    }
    while (cached_count > 0 && (cached_bytes + size > cap_bytes || cached_count == MAX_CACHED)) release_oldest();
    s = find((uintptr_t) ptr); /* release_oldest may have moved entries */
    s->cached = 1;
    cached_ptr[cached_count] = (uintptr_t) ptr;
    cached_size[cached_count] = size;
    cached_since[cached_count] = time(NULL);
    cached_count++;
    cached_bytes += size;
    release_stale();
    pthread_mutex_unlock(&lock);
}

/* ---- installation: rewrite one loaded library's relocated slots for posix_memalign and free ---- */

typedef struct {
    const char *suffix;
    int patched;
    int found;
} install_request;

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int write_slot(uintptr_t address, void *value) {
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t start = address & ~(uintptr_t) (page - 1);
    /* RELRO slots are read-only after loading; .got.plt slots are writable. Writable afterwards either way is
     * what lazy binding leaves them as; a RELRO page is made read-only again below. */
    if (mprotect((void *) start, (size_t) page, PROT_READ | PROT_WRITE) != 0) return 0;
    __atomic_store_n((void **) address, value, __ATOMIC_SEQ_CST);
    return 1;
}

static void patch_table(uintptr_t base, const ElfW(Rela) *rela, size_t bytes, const ElfW(Sym) *symtab,
                        const char *strtab, int *patched, uintptr_t relro_start, uintptr_t relro_end) {
    long page = sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < bytes / sizeof(ElfW(Rela)); i++) {
        unsigned type = ELF64_R_TYPE(rela[i].r_info);
        if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
        const char *name = strtab + symtab[ELF64_R_SYM(rela[i].r_info)].st_name;
        void *replacement = strcmp(name, "posix_memalign") == 0 ? (void *) cached_posix_memalign
                : strcmp(name, "free") == 0 ? (void *) cached_free : NULL;
        if (replacement == NULL) continue;
        uintptr_t address = base + rela[i].r_offset;
        if (write_slot(address, replacement)) {
            (*patched)++;
            if (address >= relro_start && address < relro_end) {
                mprotect((void *) (address & ~(uintptr_t) (page - 1)), (size_t) page, PROT_READ);
            }
        }
    }
}

static uintptr_t absolute(uintptr_t base, uintptr_t value) {
    /* glibc relocates most dynamic-section pointers in place; some loaders leave them relative */
    return value < base ? base + value : value;
}

static int visit(struct dl_phdr_info *info, size_t size, void *data) {
    (void) size;
    install_request *request = data;
    if (info->dlpi_name == NULL || !ends_with(info->dlpi_name, request->suffix)) return 0;
    request->found = 1;
    uintptr_t base = info->dlpi_addr;
    const ElfW(Dyn) *dyn = NULL;
    uintptr_t relro_start = 0, relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *) (base + info->dlpi_phdr[i].p_vaddr);
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
            relro_start = base + info->dlpi_phdr[i].p_vaddr;
            relro_end = relro_start + info->dlpi_phdr[i].p_memsz;
        }
    }
    if (dyn == NULL) return 1;
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const ElfW(Rela) *jmprel = NULL, *rela = NULL;
    size_t jmprel_bytes = 0, rela_bytes = 0;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
            case DT_SYMTAB: symtab = (const ElfW(Sym) *) absolute(base, dyn->d_un.d_ptr); break;
            case DT_STRTAB: strtab = (const char *) absolute(base, dyn->d_un.d_ptr); break;
            case DT_JMPREL: jmprel = (const ElfW(Rela) *) absolute(base, dyn->d_un.d_ptr); break;
            case DT_PLTRELSZ: jmprel_bytes = dyn->d_un.d_val; break;
            case DT_RELA: rela = (const ElfW(Rela) *) absolute(base, dyn->d_un.d_ptr); break;
            case DT_RELASZ: rela_bytes = dyn->d_un.d_val; break;
            default: break;
        }
    }
    if (symtab == NULL || strtab == NULL) return 1;
    if (jmprel != NULL) patch_table(base, jmprel, jmprel_bytes, symtab, strtab, &request->patched, relro_start, relro_end);
    if (rela != NULL) patch_table(base, rela, rela_bytes, symtab, strtab, &request->patched, relro_start, relro_end);
    return 1;
}

/*
 * Installs the cache into the loaded library whose path ends with library_suffix (e.g. "/libc10.so"), or sets its
 * limits again if it is installed. Returns the number of slots rewritten (0: the library imports neither function),
 * or -1 if no such library is loaded.
 */
int softprompt_host_cache_install(const char *library_suffix, int64_t minimum_bytes, int64_t capacity_bytes,
                                  int64_t decay) {
    pthread_mutex_lock(&lock);
    if (minimum_bytes > 0) min_bytes = (size_t) minimum_bytes;
    if (capacity_bytes >= 0) cap_bytes = (size_t) capacity_bytes;
    if (decay >= 0) decay_seconds = (time_t) decay;
    pthread_mutex_unlock(&lock);
    install_request request = {library_suffix, 0, 0};
    dl_iterate_phdr(visit, &request);
    return request.found ? request.patched : -1;
}

/* Releases every cached block to the C library (as torch.cuda.empty_cache()); returns the bytes released. */
int64_t softprompt_host_cache_release(void) {
    pthread_mutex_lock(&lock);
    size_t bytes = cached_bytes;
    while (cached_count > 0) release_oldest();
    pthread_mutex_unlock(&lock);
    return (int64_t) bytes;
}

/* Fills out[0..7]: hits, misses, releases, untracked, cached bytes, cached blocks, tracked blocks, double frees. */
void softprompt_host_cache_stats(int64_t *out) {
    pthread_mutex_lock(&lock);
    out[0] = (int64_t) hits;
    out[1] = (int64_t) misses;
    out[2] = (int64_t) releases;
    out[3] = (int64_t) untracked;
    out[4] = (int64_t) cached_bytes;
    out[5] = (int64_t) cached_count;
    out[6] = (int64_t) table_used;
    out[7] = (int64_t) double_frees;
    pthread_mutex_unlock(&lock);
}
