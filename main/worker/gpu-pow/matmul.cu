// The POW kernel: C = A·B for n×n matrices of 5-bit entries (uint8 in), uint32 out. Every partial
// sum is an integer below n·31² < 2^24 (n ≤ 17,000), so float32 FMA is exact and the product equals
// the CPU backend's to the bit. A 64×64 tile per block of 16×16 threads, each thread a 4×4 tile.
// Build the committed PTX: nvcc -ptx -arch=compute_70 matmul.cu -o matmul.ptx (then ptxas -arch=sm_90 to check).
#define TILE 64
#define KT 16

extern "C" __global__ void __launch_bounds__(256) pow_matmul(const unsigned char* __restrict__ a, const unsigned char* __restrict__ b,
                                                             unsigned int* __restrict__ c, int n) {
  __shared__ float as[KT][TILE + 1];
  __shared__ float bs[KT][TILE];
  const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
  const int row0 = blockIdx.y * TILE, col0 = blockIdx.x * TILE;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

  for (int k0 = 0; k0 < n; k0 += KT) {
    for (int e = tid; e < TILE * KT; e += 256) {
      const int r = e / KT, k = e % KT, gr = row0 + r, gk = k0 + k;
      as[k][r] = (gr < n && gk < n) ? (float)a[(size_t)gr * n + gk] : 0.0f;
    }
    for (int e = tid; e < KT * TILE; e += 256) {
      const int k = e / TILE, col = e % TILE, gk = k0 + k, gc = col0 + col;
      bs[k][col] = (gk < n && gc < n) ? (float)b[(size_t)gk * n + gc] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < KT; k++) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; i++) av[i] = as[k][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; j++) bv[j] = bs[k][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int r = row0 + ty + 16 * i, col = col0 + tx + 16 * j;
      if (r < n && col < n) c[(size_t)r * n + col] = (unsigned int)acc[i][j];
    }
}
