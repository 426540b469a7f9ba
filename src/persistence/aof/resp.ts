/**
 * The AOF's command encoding (catAppendOnlyGenericCommand()): a RESP array
 * of bulk strings, built as a latin1 string (one char per byte).
 */

/** `*<argc>\r\n` then `$<len>\r\n<arg>\r\n` for each argument. */
export function encodeCommand(argv: readonly string[]): string {
  let out = '*' + argv.length + '\r\n';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    out += '$' + a.length + '\r\n' + a + '\r\n';
  }
  return out;
}

/** `*2\r\n$6\r\nSELECT\r\n$<n>\r\n<id>\r\n` as feedAppendOnlyFile() writes it. */
export function encodeSelect(dbid: number): string {
  const id = String(dbid);
  return '*2\r\n$6\r\nSELECT\r\n$' + id.length + '\r\n' + id + '\r\n';
}

/** An AOF timestamp annotation: `#TS:<unix seconds>\r\n`. */
export function encodeTimestamp(unixSeconds: number): string {
  return '#TS:' + unixSeconds + '\r\n';
}
