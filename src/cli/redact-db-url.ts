/**
 * A database URL fit to print: a PostgreSQL password never reaches a terminal, a log or a CI
 * transcript.
 */
export function redactDbUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '****';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:****@');
  }
}
