export { formatLine, median, medianOf, nowNs } from './harness.js';
export { Mulberry32 } from './mulberry32.js';
