// malloc-live.c: which native allocations a process still holds, by call stack and by thread (docs/bench.md,
// "Memory per idle mTLS connection"). An LD_PRELOAD shim for glibc:
//   gcc -O2 -shared -fPIC -o /tmp/mt/mt.so bench/tools/malloc-live.c -ldl -lpthread
//   LD_PRELOAD=/tmp/mt/mt.so java ... &      # then: touch /tmp/mt/on (start recording), open the connections,
//   rm /tmp/mt/on; touch /tmp/mt/dump         # writes /tmp/mt/out.txt and /tmp/mt/threads.txt
//   python3 bench/tools/malloc-live-report.py N LIBRARY.so   # N: the connections held; what each one keeps
// While /tmp/mt/on exists every allocation is recorded with a 10-frame backtrace (slow, for measuring only);
// out.txt has one line per call stack: live count, live bytes, frames as module+offset.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>
static __thread int mytid;
static uint64_t allocb[1<<16];
extern void *__libc_malloc(size_t); extern void __libc_free(void *); extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t); extern void *__libc_memalign(size_t, size_t);
#define D 10
#define TB (1u << 23)
#define SB (1u << 17)
typedef struct { uintptr_t p; uint32_t size, st; int tid; } E;
typedef struct { void *f[D]; int n; } S;
static E *tab; static S *sts; static uint32_t nst; static atomic_int on, lk; static __thread int in;
static void lock(void) { while (atomic_exchange(&lk, 1)) ; } static void unlock(void) { atomic_store(&lk, 0); }
static uint32_t h(uintptr_t p) { return (uint32_t)((p >> 4) * 2654435761u) & (TB - 1); }
static uint32_t stid(void **f, int n) {
  uint64_t x = n; for (int i = 0; i < n; i++) x = x * 1000003 ^ (uintptr_t)f[i];
  uint32_t i = (uint32_t)(x * 11400714819323198485ull >> 40) & (SB - 1);
  for (;; i = (i + 1) & (SB - 1)) {
    if (sts[i].n == 0) { memcpy(sts[i].f, f, n * sizeof(void *)); sts[i].n = n; nst++; return i; }
    if (sts[i].n == n && !memcmp(sts[i].f, f, n * sizeof(void *))) return i;
  }
}
static void add(void *p, size_t sz) {
  if (!p || !atomic_load(&on) || in) return;
  if (!mytid) mytid = syscall(SYS_gettid);
  allocb[mytid & 0xffff] += sz;
  in = 1; void *f[D + 1]; int n = backtrace(f, D + 1); in = 0;
  lock(); uint32_t s = stid(f + 1, n - 1);
  for (uint32_t i = h((uintptr_t)p);; i = (i + 1) & (TB - 1))
    if (tab[i].p == 0 || tab[i].p == 1) { tab[i].p = (uintptr_t)p; tab[i].size = sz; tab[i].st = s; tab[i].tid = mytid; break; }
  unlock();
}
static void del(void *p) {
  if (!p || !tab) return;
  lock();
  for (uint32_t i = h((uintptr_t)p);; i = (i + 1) & (TB - 1)) {
    if (tab[i].p == 0) break;
    if (tab[i].p == (uintptr_t)p) { tab[i].p = 1; break; }
  }
  unlock();
}
void *malloc(size_t n) { void *p = __libc_malloc(n); add(p, n); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); add(p, a * b); return p; }
void free(void *p) { del(p); __libc_free(p); }
void *realloc(void *o, size_t n) { del(o); void *p = __libc_realloc(o, n); add(p, n); return p; }
int posix_memalign(void **r, size_t a, size_t n) { *r = __libc_memalign(a, n); add(*r, n); return *r ? 0 : 12; }
void *aligned_alloc(size_t a, size_t n) { void *p = __libc_memalign(a, n); add(p, n); return p; }
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); add(p, n); return p; }
static void dump(void) {
  static uint64_t cnt[SB], by[SB]; memset(cnt, 0, sizeof cnt); memset(by, 0, sizeof by);
  lock();
  for (uint32_t i = 0; i < TB; i++) if (tab[i].p > 1) { cnt[tab[i].st]++; by[tab[i].st] += tab[i].size; }
  unlock();
  FILE *o = fopen("/tmp/mt/out.txt", "w");
  for (uint32_t s = 0; s < SB; s++) if (cnt[s]) {
    fprintf(o, "%lu %lu", (unsigned long)cnt[s], (unsigned long)by[s]);
    for (int k = 0; k < sts[s].n; k++) {
      Dl_info di; if (dladdr(sts[s].f[k], &di) && di.dli_fname) fprintf(o, " %s+%lx", strrchr(di.dli_fname, '/') ? strrchr(di.dli_fname, '/') + 1 : di.dli_fname, (unsigned long)((char *)sts[s].f[k] - (char *)di.dli_fbase));
      else fprintf(o, " ?%p", sts[s].f[k]);
    }
    fputc('\n', o);
  }
  fclose(o);
  static uint64_t lt[1<<16]; memset(lt, 0, sizeof lt);
  for (uint32_t i = 0; i < TB; i++) if (tab[i].p > 1) lt[tab[i].tid & 0xffff] += tab[i].size;
  o = fopen("/tmp/mt/threads.txt", "w");
  for (int t = 0; t < (1<<16); t++) if (lt[t] || allocb[t]) {
    char path[64], name[64] = "?"; snprintf(path, sizeof path, "/proc/self/task/%d/comm", t);
    FILE *c = fopen(path, "r"); if (c) { if (fgets(name, sizeof name, c)) name[strcspn(name, "\n")] = 0; fclose(c); }
    fprintf(o, "%d %s live=%lu allocated=%lu\n", t, name, (unsigned long)lt[t], (unsigned long)allocb[t]);
  }
  fclose(o);
}
static void *watch(void *x) {
  in = 1;
  for (;;) {
    usleep(100000);
    int want = access("/tmp/mt/on", F_OK) == 0;
    if (want != atomic_load(&on)) atomic_store(&on, want);
    if (access("/tmp/mt/dump", F_OK) == 0) { dump(); unlink("/tmp/mt/dump"); }
  }
  return x;
}
__attribute__((constructor)) static void init(void) {
  in = 1;
  tab = mmap(0, sizeof(E) * TB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  sts = mmap(0, sizeof(S) * SB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  void *f[4]; backtrace(f, 4);
  pthread_t t; pthread_create(&t, 0, watch, 0);
  in = 0;
}
