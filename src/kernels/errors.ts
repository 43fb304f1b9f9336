/** Errors the kernels raise, so callers (sampler, UI) can tell bad input from a GPU failure. */

/** A kernel was given tensors or arguments that do not fit together (shapes, strides, location). */
export class KernelInputError extends Error {
  constructor(kernel: string, message: string) {
    super(`${kernel}: ${message}`);
    this.name = 'KernelInputError';
  }
}

/** The GPU rejected a kernel's work (validation or out-of-memory error scope fired). */
export class GpuKernelError extends Error {
  constructor(kernel: string, message: string) {
    super(`${kernel}: GPU error: ${message}`);
    this.name = 'GpuKernelError';
  }
}
