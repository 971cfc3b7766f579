/**
 * Interactive approval, as Terraform asks it. Without a terminal there is nobody to ask: refuse, and say
 * how to approve non-interactively.
 */
import { createInterface } from 'node:readline/promises';
import { UserError } from '../errors';

const APPLY_HINT =
  'Apply asks for confirmation before changing anything. In CI, run `backflow apply -auto-approve`, or apply a saved plan: `backflow apply PLANFILE`.';

export async function askApproval(question: string, noTerminalHint: string = APPLY_HINT): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new UserError('No terminal to ask for approval', noTerminalHint);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(
      `${question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: `,
    );
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
