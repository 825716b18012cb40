// translate() returns one number and allocates nothing:
//   result >= 0                     the physical address
//   -64 <= result <= -1             a page fault (#PF); error code = -1 - result
//   result === TRANSLATE_GP         a non-canonical address: #GP(0), no page fault
// The page-fault error code bits are those of SDM vol. 3A, 4.7 (Figure 4-12).

/** Page-fault error code bits pushed by the CPU (SDM 4.7). */
export const PageFaultCode = {
  /** P, bit 0: 0 = non-present page, 1 = protection violation (or reserved bit). */
  PRESENT: 0x1,
  /** W/R, bit 1: the access was a write. */
  WRITE: 0x2,
  /** U/S, bit 2: the access was a user-mode access. */
  USER: 0x4,
  /** RSVD, bit 3: a reserved bit was set in a paging-structure entry. */
  RESERVED: 0x8,
  /** I/D, bit 4: instruction fetch, reported only when CR4.SMEP = 1 or IA32_EFER.NXE = 1. */
  INSTRUCTION_FETCH: 0x10,
  /** PK, bit 5: the protection key (PKRU) disallowed the data access. */
  PROTECTION_KEY: 0x20,
} as const;

/** translate() result for a non-canonical linear address: #GP(0), not a page fault. */
export const TRANSLATE_GP = -4294967296;

/** The translate() result for a page fault with `errorCode`. */
export function pageFaultResult(errorCode: number): number {
  return -1 - errorCode;
}

/** True when a translate() result is a page fault. */
export function isPageFault(result: number): boolean {
  return result < 0 && result > TRANSLATE_GP;
}

/** Page-fault error code of a translate() result (only meaningful when isPageFault). */
export function pageFaultErrorCode(result: number): number {
  return -1 - result;
}

/** Human-readable form of a translate() result, e.g. `#PF(0x7: P W/R U/S)` or `pa=0x1000`. */
export function describeTranslateResult(result: number): string {
  if (result >= 0) return `pa=0x${result.toString(16)}`;
  if (result === TRANSLATE_GP) return '#GP(0) non-canonical';
  const code = -1 - result;
  const names: string[] = [];
  if (code & PageFaultCode.PRESENT) names.push('P');
  if (code & PageFaultCode.WRITE) names.push('W/R');
  if (code & PageFaultCode.USER) names.push('U/S');
  if (code & PageFaultCode.RESERVED) names.push('RSVD');
  if (code & PageFaultCode.INSTRUCTION_FETCH) names.push('I/D');
  if (code & PageFaultCode.PROTECTION_KEY) names.push('PK');
  return `#PF(0x${code.toString(16)}${names.length ? `: ${names.join(' ')}` : ''})`;
}
