// Nominal ("branded") number types: a VirtAddr is a plain number at run time, but
// the type checker will not let a PhysAddr or a page number stand in for it.

declare const brand: unique symbol;

/** `T` tagged with the name `B`; only a validating constructor (or a cast) makes one. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };
