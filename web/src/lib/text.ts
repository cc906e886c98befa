/** A message's first line as plain text, for lists: markdown marks and tags dropped, never rendered. */
export function summary(message: string | null, max = 140): string {
  if (!message) return '(no message)';
  const line =
    message
      .split('\n')
      .map((part) => part.trim())
      .find((part) => part !== '') ?? '';
  const plain = line
    .replace(/<[^>]*>/g, '')
    .replace(/[#*_`>~[\]]/g, '')
    .replace(/\(([^)]*)\)/g, '($1)')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain || '(no message)';
}
