/**
 * True when the host stores multi-byte typed-array elements little-endian (every
 * current JavaScript engine on x86, ARM and RISC-V hosts does).
 */
export function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint32Array([0x0102_0304]).buffer)[0] === 0x04;
}

/** Throws Error on a big-endian host, where u32 views would byte-swap x86 values. */
export function checkLittleEndianHost(): void {
  if (!isLittleEndianHost()) {
    throw new Error(
      'PhysicalMemory needs a little-endian host: its Uint32Array frame views must hold ' +
        'x86 (little-endian) values byte for byte, and this host is big-endian',
    );
  }
}
