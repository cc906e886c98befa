/**
 * Finds where JSON text stops being valid JSON. Node 20's `JSON.parse` names the offset for some errors
 * and only quotes a snippet for others, and people look for a line, so failed text is scanned again here.
 * Called only after `JSON.parse` failed; undefined means no error was found.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let index = 0;

  const skipSpace = () => {
    while (index < text.length && ' \t\n\r'.includes(text[index]!)) index++;
  };
  const fail = (): never => {
    throw new JsonScanError(index);
  };
  const expect = (char: string) => {
    if (text[index] !== char) fail();
    index++;
  };

  const scanString = () => {
    expect('"');
    while (index < text.length) {
      const char = text[index]!;
      if (char === '"') {
        index++;
        return;
      }
      if (char < ' ') fail();
      if (char === '\\') {
        index++;
        const escape = text[index];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 1, index + 5))) fail();
          index += 5;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) index++;
        else fail();
      } else index++;
    }
    fail();
  };

  const scanValue = (): void => {
    skipSpace();
    const char = text[index];
    if (char === '{') {
      index++;
      skipSpace();
      if (text[index] === '}') {
        index++;
        return;
      }
      for (;;) {
        skipSpace();
        scanString();
        skipSpace();
        expect(':');
        scanValue();
        skipSpace();
        if (text[index] === ',') index++;
        else return expect('}');
      }
    }
    if (char === '[') {
      index++;
      skipSpace();
      if (text[index] === ']') {
        index++;
        return;
      }
      for (;;) {
        scanValue();
        skipSpace();
        if (text[index] === ',') index++;
        else return expect(']');
      }
    }
    if (char === '"') return scanString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(index, index + 400),
    );
    if (!literal) fail();
    index += literal![0].length;
  };

  try {
    scanValue();
    skipSpace();
    if (index < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonScanError) return error.offset;
    throw error;
  }
}

class JsonScanError extends Error {
  constructor(readonly offset: number) {
    super('invalid JSON');
  }
}
