// A new device's name: the host name, then the GPU model and a short id, so three rented VMs all
// called "vm" still read apart on a dashboard ("vm · H200 · 3f2a").
const MAX = 64;

/** "NVIDIA H100 80GB HBM3" → "H100 80GB HBM3": the vendor is the same on every row. */
export function shortGpuModel(model: string): string {
  return model.replace(/^(NVIDIA|AMD)\s+/i, '').replace(/^(GeForce|Radeon)\s+/i, '').trim();
}

export function defaultDeviceName(hostname: string, gpuModel: string | null, deviceId: string): string {
  const id = deviceId.replace(/^dev-/, '').slice(0, 4);
  const gpu = gpuModel ? shortGpuModel(gpuModel) : null;
  const tail = [gpu, id].filter(Boolean).join(' · ');
  const host = (hostname.trim() || 'This machine').slice(0, MAX - tail.length - 3);
  return `${host} · ${tail}`.slice(0, MAX);
}
