import {
  Braces,
  CircleHelp,
  CornerDownLeft,
  CreditCard,
  GitBranch,
  Globe,
  ListOrdered,
  type LucideIcon,
  Mail,
  OctagonX,
  Pencil,
  Plus,
  Puzzle,
  Receipt,
  Repeat,
  Scale,
  Search,
  Trash2,
  Undo2,
  Variable,
  Zap,
} from 'lucide-react';

// SVG icons for the node types (emoji rendered as empty boxes on Linux desktops without an emoji font).
const ICONS: Record<string, LucideIcon> = {
  trigger: Zap,
  stripe_payment_callback: CreditCard,
  stripe_refund_callback: Undo2,
  stripe_recurring_management_callback: Repeat,
  stripe_recurring_deduction_callback: Receipt,
  stripe_dispute_callback: Scale,
  code: Braces,
  query_rows: Search,
  insert_row: Plus,
  update_rows: Pencil,
  delete_rows: Trash2,
  send_email: Mail,
  http_request: Globe,
  stripe_api_call: Puzzle,
  condition: GitBranch,
  switch: ListOrdered,
  set_variables: Variable,
  stop: OctagonX,
  app_return: CornerDownLeft,
};

/** The icon of a node type, decorative (the node's label names it). */
export function NodeIcon({ type, className = 'h-4 w-4' }: { type: string; className?: string }) {
  const Icon = ICONS[type] ?? CircleHelp;
  return <Icon aria-hidden="true" data-node-icon={type} className={`shrink-0 ${className}`} />;
}

export const nodeIconTypes = Object.keys(ICONS);
