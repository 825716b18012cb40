/** Resource limits that mm enforces (bytes; Infinity for RLIM_INFINITY). */
export interface Rlimits {
  stack: number;
  data: number;
  as: number;
  memlock: number;
}

/** The knobs of an address space that Linux takes from sysctls, rlimits and the exec. */
export interface MmLayout {
  /** Highest user address + 1 (TASK_SIZE). */
  taskSize: number;
  /** Top of the top-down mmap area. */
  mmapBase: number;
  /** Bottom of the legacy (bottom-up) area, TASK_UNMAPPED_BASE. */
  mmapLegacyBase: number;
  /**
   * MMF_TOPDOWN: unhinted mappings are searched top-down from mmapBase. False
   * for the legacy layout (personality ADDR_COMPAT_LAYOUT, vm.legacy_va_layout):
   * bottom-up from mmapLegacyBase (arch/x86/mm/mmap.c: arch_pick_mmap_layout).
   */
  topdown: boolean;
  /**
   * /proc/sys/vm/mmap_min_addr (the kernel's dac_mmap_min_addr): MAP_FIXED
   * below it needs CAP_SYS_RAWIO.
   */
  mmapMinAddr: number;
  /**
   * CONFIG_LSM_MMAP_MIN_ADDR (65536 on x86 kernels built with SELinux, even
   * when SELinux is not the active LSM; 0 without it). security/min_addr.c:
   * the kernel's own mmap_min_addr is the larger of this and the sysctl; hint
   * rounding, the free-area search and stack growth stop there.
   */
  lsmMmapMinAddr: number;
  /** Gap kept below a grows-down mapping (stack_guard_gap). */
  stackGuardGap: number;
  startBrk: number;
  brk: number;
  /** An address inside the initial stack (mm->start_stack), or 0 for none. */
  startStack: number;
  /** /proc/sys/vm/max_map_count. */
  maxMapCount: number;
  /** /proc/sys/vm/overcommit_memory. */
  overcommitMemory: 0 | 1 | 2;
  /**
   * totalram_pages() + total_swap_pages (MemTotal + SwapTotal in pages): with
   * overcommit_memory 0 a single charge of more pages than this is ENOMEM
   * (mm/util.c: __vm_enough_memory, OVERCOMMIT_GUESS). Infinity: not known.
   */
  commitGuessPages: number;
  /**
   * The anonymous device numbers of the kernel's internal hugetlbfs mounts
   * (one per hstate: 2 MiB, 1 GiB), which maps prints for the
   * `/anon_hugepage (deleted)` file of an anonymous MAP_HUGETLB mapping
   * (fs/hugetlbfs/inode.c: init_hugetlbfs_fs mounts them at boot, so their
   * numbers depend on the machine: 00:11 and 00:12 on the recording one).
   */
  hugetlbfsDev2M: string;
  hugetlbfsDev1G: string;
  /** CAP_SYS_RAWIO (mappings below mmap_min_addr) and CAP_IPC_LOCK (mlock limits). */
  capSysRawio: boolean;
  capIpcLock: boolean;
}

export const DEFAULT_TASK_SIZE = 0x7fff_ffff_f000;

/** x86_64 defaults with randomization off and an 8 MiB stack limit. */
export const DEFAULT_LAYOUT: Readonly<MmLayout> = Object.freeze({
  taskSize: DEFAULT_TASK_SIZE,
  mmapBase: 0x7fff_f7ff_f000,
  mmapLegacyBase: 0x2aaa_aaaa_b000,
  topdown: true,
  mmapMinAddr: 0x1_0000,
  lsmMmapMinAddr: 0x1_0000,
  stackGuardGap: 0x10_0000,
  startBrk: 0,
  brk: 0,
  startStack: 0,
  maxMapCount: 65530,
  overcommitMemory: 0,
  commitGuessPages: Number.POSITIVE_INFINITY,
  hugetlbfsDev2M: '00:11',
  hugetlbfsDev1G: '00:12',
  capSysRawio: false,
  capIpcLock: false,
} satisfies MmLayout);

export const DEFAULT_RLIMITS: Readonly<Rlimits> = Object.freeze({
  stack: 8 * 1024 * 1024,
  data: Number.POSITIVE_INFINITY,
  as: Number.POSITIVE_INFINITY,
  memlock: 8 * 1024 * 1024,
});

/**
 * arch/x86/mm/mmap.c: mmap_base = PAGE_ALIGN(task_size - gap), the gap being the
 * stack rlimit plus the guard gap, clamped to [128 MiB, 5/6 of task_size].
 */
export function computeMmapBase(
  taskSize: number,
  stackRlimit: number,
  stackGuardGap: number,
): number {
  const min = 128 * 1024 * 1024;
  const max = Math.floor((taskSize / 6) * 5);
  let gap = stackRlimit === Number.POSITIVE_INFINITY ? max : stackRlimit + stackGuardGap;
  // arch/x86/mm/mmap.c adds the stack randomization pad only with randomization on.
  if (gap < min) gap = min;
  else if (gap > max) gap = max;
  return Math.floor((taskSize - gap) / 4096) * 4096;
}
