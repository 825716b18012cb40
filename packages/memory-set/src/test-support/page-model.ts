// A page-array model of a MemorySet (arceos semantics, no merging): each page
// is free (id 0) or owned by an area id with flags. Areas are maximal runs of
// one id; an operation that cuts an area gives the cut-off pieces new ids.

export interface ModelArea {
  start: number;
  end: number;
  flags: number;
}

export class PageModel {
  readonly id: Int32Array;
  readonly flags: Int32Array;
  private nextId = 1;

  constructor(readonly pages: number) {
    this.id = new Int32Array(pages);
    this.flags = new Int32Array(pages);
  }

  overlaps(s: number, e: number): boolean {
    for (let p = s; p < e; p++) if (this.id[p] !== 0) return true;
    return false;
  }

  map(s: number, e: number, flags: number): void {
    this.unmap(s, e);
    const id = this.nextId++;
    for (let p = s; p < e; p++) {
      this.id[p] = id;
      this.flags[p] = flags;
    }
  }

  unmap(s: number, e: number): void {
    // The part of an area above e becomes its own area.
    if (e < this.pages && e > 0 && this.id[e] !== 0 && this.id[e] === this.id[e - 1]) {
      this.renumberFrom(e);
    }
    for (let p = s; p < e; p++) this.id[p] = 0;
  }

  protect(s: number, e: number, flags: number): void {
    let p = s;
    while (p < e) {
      const id = this.id[p];
      if (id === 0 || this.flags[p] === flags) {
        p++;
        continue;
      }
      // The run of this area inside [s, e) changes flags and becomes its own
      // area, and so does the rest of the area above e.
      let q = p;
      while (q < e && this.id[q] === id) q++;
      if (q === e && q < this.pages && this.id[q] === id) this.renumberFrom(q);
      if (p > 0 && this.id[p - 1] === id) {
        const nid = this.nextId++;
        for (let i = p; i < q; i++) this.id[i] = nid;
      }
      for (let i = p; i < q; i++) this.flags[i] = flags;
      p = q;
    }
  }

  private renumberFrom(p: number): void {
    const id = this.id[p];
    const nid = this.nextId++;
    for (let i = p; i < this.pages && this.id[i] === id; i++) this.id[i] = nid;
  }

  /** Areas as maximal runs of one id. */
  areas(): ModelArea[] {
    const out: ModelArea[] = [];
    let p = 0;
    while (p < this.pages) {
      if (this.id[p] === 0) {
        p++;
        continue;
      }
      let q = p;
      while (q < this.pages && this.id[q] === this.id[p]) q++;
      out.push({ start: p, end: q, flags: this.flags[p] });
      p = q;
    }
    return out;
  }

  /** Areas as maximal runs of equal flags (what a fully merging set holds). */
  mergedAreas(): ModelArea[] {
    const out: ModelArea[] = [];
    for (const a of this.areas()) {
      const last = out[out.length - 1];
      if (last !== undefined && last.end === a.start && last.flags === a.flags) last.end = a.end;
      else out.push({ ...a });
    }
    return out;
  }
}
