/** Placeholder entry point; the real CLI is assembled in src/cli/program.ts. */
export function main(_argv: string[]): void {
  console.log('backflow');
}
