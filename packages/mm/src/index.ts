import { placeholder as p } from '@vmem/memory-addr';
export const placeholder: number = p;
