// A stand-in for libcuda.so.1 for the tests of machines without a GPU: the driver calls the GPU
// backend makes, with "device memory" in host memory and the kernel run on the CPU. It checks the
// FFI itself (output parameters, 64-bit device pointers, the kernel's parameter array), not CUDA.
// FAKE_CUDA_DEVICES=0 makes it a driver that sees no device. Built by the test: cc -shared -fPIC.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int inited = 0;
static int devices(void) { const char *e = getenv("FAKE_CUDA_DEVICES"); return e ? atoi(e) : 1; }

int cuInit(unsigned int flags) { (void)flags; inited = 1; return 0; }
int cuDeviceGetCount(int *count) { if (!inited) return 3; *count = devices(); return 0; }
int cuDeviceGet(int *device, int ordinal) { if (ordinal >= devices()) return 101; *device = ordinal; return 0; }
int cuDeviceGetName(char *name, int len, int device) { (void)device; strncpy(name, "Fake GPU (host memory)", len); return 0; }
int cuDevicePrimaryCtxRetain(void **ctx, int device) { (void)device; *ctx = (void *)0x1234; return 0; }
int cuDevicePrimaryCtxRelease_v2(int device) { (void)device; return 0; }
int cuCtxSetCurrent(void *ctx) { return ctx == (void *)0x1234 ? 0 : 201; }
int cuModuleLoadData(void **module, const void *image) { if (!strstr((const char *)image, ".entry pow_matmul")) return 218; *module = (void *)0x5678; return 0; }
int cuModuleGetFunction(void **fn, void *module, const char *name) { if (module != (void *)0x5678 || strcmp(name, "pow_matmul")) return 500; *fn = (void *)0x9abc; return 0; }
int cuModuleUnload(void *module) { (void)module; return 0; }
int cuMemAlloc_v2(uint64_t *dptr, size_t bytes) { void *p = malloc(bytes); if (!p) return 2; *dptr = (uint64_t)(uintptr_t)p; return 0; }
int cuMemFree_v2(uint64_t dptr) { free((void *)(uintptr_t)dptr); return 0; }
int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes) { memcpy((void *)(uintptr_t)dst, src, bytes); return 0; }
int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t bytes) { memcpy(dst, (const void *)(uintptr_t)src, bytes); return 0; }
int cuCtxSynchronize(void) { return 0; }
int cuGetErrorName(int error, const char **name) { (void)error; *name = "CUDA_ERROR_FAKE"; return 0; }

int cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned shared, void *stream, void **params, void **extra) {
  (void)stream; (void)extra; (void)shared;
  if (fn != (void *)0x9abc || gz != 1 || bx != 16 || by != 16 || bz != 1) return 1;
  const uint8_t *a = (const uint8_t *)(uintptr_t)*(uint64_t *)params[0];
  const uint8_t *b = (const uint8_t *)(uintptr_t)*(uint64_t *)params[1];
  uint32_t *c = (uint32_t *)(uintptr_t)*(uint64_t *)params[2];
  int n = *(int *)params[3];
  if (gx != (unsigned)((n + 63) / 64) || gy != gx) return 1;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      uint32_t s = 0;
      for (int k = 0; k < n; k++) s += (uint32_t)a[(size_t)i * n + k] * b[(size_t)k * n + j];
      c[(size_t)i * n + j] = s;
    }
  return 0;
}
