import { z } from 'zod';

/** Block ids are used in action results and error messages, so they read like node ids. */
export const blockIdSchema = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Block ids are letters, digits and underscores');

/**
 * A page path: `/`, `/pricing`, `/orders/:orderId`. Segments are lower-case words; `:name` segments are
 * parameters, read by bindings as `page.params.name`.
 */
export const pagePathSchema = z
  .string()
  .max(200)
  .regex(
    /^\/$|^(\/(:[a-zA-Z][a-zA-Z0-9_]*|[a-z0-9][a-z0-9-]*))+$/,
    'A path is / or words separated by / (lower-case letters, digits, dashes), with :name for a parameter, e.g. /orders/:orderId',
  );

/** Who may open a page: anyone, anyone signed in, or only the listed roles. */
export const pageAccessSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('public') }),
  z.object({ kind: z.literal('signed_in') }),
  z.object({ kind: z.literal('roles'), roles: z.array(z.string().min(1).max(100)).min(1).max(20) }),
]);
export type PageAccess = z.infer<typeof pageAccessSchema>;

export interface Block {
  id: string;
  kind: string;
  props: Record<string, unknown>;
  children?: Block[];
}

export const blockSchema: z.ZodType<Block> = z.lazy(() =>
  z.object({
    id: blockIdSchema,
    kind: z.string().min(1).max(60),
    props: z.record(z.string(), z.unknown()),
    children: z.array(blockSchema).max(200).optional(),
  }),
);

export const pageDefinitionSchema = z.object({
  title: z.string().trim().min(1).max(120),
  path: pagePathSchema,
  access: pageAccessSchema,
  blocks: z.array(blockSchema).max(200),
});
export type PageDefinition = z.infer<typeof pageDefinitionSchema>;

/** What a page's validation may look at besides the page: the project's tables, roles, flows and other pages. */
export interface PageTableInfo {
  name: string;
  ownerColumn?: string | null;
  columns: {
    name: string;
    type: string;
    enumOptions?: string[] | null;
    required?: boolean;
    /** Written by the server only (e.g. an order's amount, currency and status once payments are on). */
    systemManaged?: boolean;
  }[];
}
export type FlowIoType = 'string' | 'number' | 'boolean';
export interface CallableFlowInfo {
  id: string;
  name: string;
  inputs: Record<string, FlowIoType>;
  outputs: Record<string, FlowIoType>;
  /** The roles that may run it; empty: every signed-in end user. */
  roles: string[];
}
export interface PageContext {
  tables: PageTableInfo[];
  roles: string[];
  /** Which role may do which table operation (read, insert, update, delete). */
  tablePermissions: { role: string; table: string; operation: string }[];
  /** Which role may run which payment action (stripe.payment, stripe.refund, stripe.recurring). */
  actionPermissions: { role: string; action: string }[];
  /** Flows with an app_call trigger: callable from a button. */
  flows: CallableFlowInfo[];
  /** Paths of the project's pages (navigate targets). */
  paths: string[];
  /** The project's pages by title, for the editor's page pickers (validation reads `paths`). */
  pages?: { title: string; path: string }[];
  /** The shop's currency (lower-case ISO code), for amounts the editor takes in major units. */
  currency?: string;
}

export interface PageIssue {
  code:
    | 'invalid_page'
    | 'unknown_block'
    | 'invalid_props'
    | 'children_not_allowed'
    | 'duplicate_block_id'
    | 'unknown_table'
    | 'unknown_column'
    | 'system_managed'
    | 'binding'
    | 'no_owner_column'
    | 'role_cannot'
    | 'unknown_role'
    | 'unknown_flow'
    | 'unknown_page'
    | 'missing_param'
    | 'unused_param';
  message: string;
  blockId?: string;
  field?: string;
  severity: 'error' | 'warning';
}
