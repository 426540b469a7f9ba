/**
 * Redis's pqsort(): a Bentley-McIlroy quicksort that only recurses into the
 * partitions overlapping [lrange, rrange], so that range ends up sorted.
 * SORT with LIMIT and GEO searches with COUNT use it, and their ties come
 * out in the same order as in Redis.
 */
export function pqsort<T>(arr: T[], cmp: (a: T, b: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number): void => {
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  };
  const vecswap = (i: number, j: number, n: number): void => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (a: number, b: number, c: number): number =>
    cmp(arr[a], arr[b]) < 0
      ? cmp(arr[b], arr[c]) < 0
        ? b
        : cmp(arr[a], arr[c]) < 0
          ? c
          : a
      : cmp(arr[b], arr[c]) > 0
        ? b
        : cmp(arr[a], arr[c]) < 0
          ? a
          : c;
  const outside = (a: number, cnt: number): boolean =>
    (lrange < a && rrange < a) || (lrange >= a + cnt && rrange >= a + cnt);
  const sortPart = (a0: number, n0: number): void => {
    let a = a0;
    let n = n0;
    for (;;) {
      if (n < 7) {
        for (let pm = a + 1; pm < a + n; pm++) {
          for (let pl = pm; pl > a && cmp(arr[pl - 1], arr[pl]) > 0; pl--) swap(pl, pl - 1);
        }
        return;
      }
      let pm = a + Math.floor(n / 2);
      if (n > 7) {
        let pl = a;
        let pn = a + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1;
      let pb = pa;
      let pc = a + n - 1;
      let pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(arr[pb], arr[a])) <= 0) {
          if (r === 0) {
            swap(pa, pb);
            pa++;
          }
          pb++;
        }
        while (pb <= pc && (r = cmp(arr[pc], arr[a])) >= 0) {
          if (r === 0) {
            swap(pc, pd);
            pd--;
          }
          pc--;
        }
        if (pb > pc) break;
        swap(pb, pc);
        pb++;
        pc--;
      }
      const pn = a + n;
      let r = Math.min(pa - a, pb - pa);
      vecswap(a, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      if ((r = pb - pa) > 1) {
        if (!outside(a, r)) sortPart(a, r);
      }
      if ((r = pd - pc) > 1) {
        a = pn - r;
        n = r;
        if (!outside(a, n)) continue;
      }
      return;
    }
  };
  sortPart(0, arr.length);
}
