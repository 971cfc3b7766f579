/**
 * Hiding a secret value in a message: every occurrence of the WHOLE value becomes `***`, and nothing else.
 * An occurrence glued to letters or digits on a side where the secret itself starts or ends with one is
 * part of another word (`testing` for the secret `test`, a database named like the password), and is left
 * alone: replacing it would mangle the message and tell the reader that the secret is in there.
 * Secrets shorter than 4 characters are refused when config is read, so short ones never reach here.
 */
const WORD = /[\p{L}\p{N}_]/u;

export function replaceWholeValue(text: string, secret: string, mask = '***'): string {
  if (secret === '') return text;
  const startsWord = WORD.test(secret[0]);
  const endsWord = WORD.test(secret[secret.length - 1]);
  let out = '';
  let from = 0;
  for (let i = text.indexOf(secret); i !== -1; i = text.indexOf(secret, i + 1)) {
    if (i < from) continue;
    const end = i + secret.length;
    const gluedBefore = startsWord && i > 0 && WORD.test(text[i - 1]);
    const gluedAfter = endsWord && end < text.length && WORD.test(text[end]);
    if (gluedBefore || gluedAfter) continue;
    out += text.slice(from, i) + mask;
    from = end;
  }
  return out + text.slice(from);
}
