import { checkTemplateString, describeType, t, type ValueType } from '@tillflow/flow-model';
import { ACTION_LABELS, type ActionChain, type PageAction, permissionNeeded } from './actions';
import { stepOutput } from './binding-scope';
import { type BlockCheck, getBlockType } from './catalog';
import { ioValueType, pageNames, pathParams, rowValueType } from './scope';
import {
  type Block,
  type PageContext,
  type PageDefinition,
  type PageIssue,
  type PageTableInfo,
  pageDefinitionSchema,
} from './types';

/** Names in quotes, joined in words: "a", "a" or "b", "a", "b" or "c". */
const quoted = (names: string[], word: 'or' | 'and' = 'or') => {
  const q = names.map((n) => `"${n}"`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} ${word} ${q.at(-1)}`;
};

/** Addresses the generated app answers without a builder's page (its fixed pages). */
export const FIXED_APP_PATHS = ['/', '/orders', '/subscriptions', '/admin'];

/** The roles that can open a page: what its actions are checked against. */
export function rolesWithAccess(page: Pick<PageDefinition, 'access'>, ctx: Pick<PageContext, 'roles'>): string[] {
  if (page.access.kind === 'roles') return page.access.roles;
  if (page.access.kind === 'signed_in') return ctx.roles.filter((r) => r !== 'anonymous');
  return ctx.roles;
}

/** Whether a role may run an action (its table operation or payment action); actions needing neither are open. */
export function roleMay(
  role: string,
  action: PageAction,
  ctx: Pick<PageContext, 'tablePermissions' | 'actionPermissions' | 'flows'>,
): boolean {
  const need = permissionNeeded(action);
  if (!need) return true;
  if ('flow' in need) {
    // Signed-out visitors cannot run a flow: it acts as its caller.
    const flow = ctx.flows.find((f) => f.id === need.flow);
    return !!flow && role !== 'anonymous' && (flow.roles.length === 0 || flow.roles.includes(role));
  }
  if ('action' in need) return ctx.actionPermissions.some((p) => p.role === role && p.action === need.action);
  return ctx.tablePermissions.some((p) => p.role === role && p.table === need.table && p.operation === need.operation);
}

/**
 * Validates a page against the project: every block kind and its props, tables and columns, every binding's
 * names and types (the flow model's `{{ }}` checker), actions no role that can open the page may perform,
 * navigation to missing pages or without their params, and address params nothing reads.
 */
export function validatePage(input: unknown, ctx: PageContext): PageIssue[] {
  const parsed = pageDefinitionSchema.safeParse(input);
  if (!parsed.success)
    return parsed.error.issues.map((i) => ({
      code: 'invalid_page',
      message: `${i.path.join('.') || 'page'}: ${i.message}`,
      field: i.path.join('.'),
      severity: 'error',
    }));
  const page = parsed.data;
  const issues: PageIssue[] = [];
  const seen = new Set<string>();
  const roles = rolesWithAccess(page, ctx);
  if (page.access.kind === 'roles')
    for (const role of page.access.roles)
      if (!ctx.roles.includes(role))
        issues.push({
          code: 'unknown_role',
          message: `There is no role "${role}".`,
          field: 'access',
          severity: 'error',
        });

  const visit = (block: Block, names: Record<string, ValueType>) => {
    const push = (issue: Omit<PageIssue, 'blockId' | 'severity'> & { severity?: PageIssue['severity'] }) =>
      issues.push({ severity: 'error', ...issue, blockId: block.id });
    if (seen.has(block.id))
      push({ code: 'duplicate_block_id', message: `Two blocks are named "${block.id}"; each needs its own name.` });
    seen.add(block.id);
    const type = getBlockType(block.kind);
    if (!type) {
      push({ code: 'unknown_block', message: `There is no block of kind "${block.kind}".` });
      return;
    }
    if (type.children === 'none' && block.children?.length)
      push({ code: 'children_not_allowed', message: `A ${type.label.toLowerCase()} cannot hold other blocks.` });
    const propsResult = type.props.safeParse(block.props);
    if (!propsResult.success) {
      for (const i of propsResult.error.issues)
        push({ code: 'invalid_props', message: `${type.label}: ${i.message}`, field: i.path.join('.') });
      return;
    }
    const props = propsResult.data as Record<string, unknown>;
    const binding = (value: string, field: string, expected?: ValueType, scopeNames = names) => {
      if (!value.includes('{{')) return;
      const { errors } = checkTemplateString(
        value,
        { trigger: t.any, nodes: {}, vars: {}, names: scopeNames },
        expected,
      );
      for (const e of errors) push({ code: 'binding', message: `${type.label}: ${e.message}`, field });
    };
    for (const [field, expected] of Object.entries(type.bindings))
      if (typeof props[field] === 'string') binding(props[field] as string, field, expected);

    const findTable = (name: string, field: string): PageTableInfo | undefined => {
      if (!name) {
        push({ code: 'unknown_table', message: `${type.label}: pick a table.`, field });
        return undefined;
      }
      const table = ctx.tables.find((x) => x.name === name);
      if (!table) push({ code: 'unknown_table', message: `${type.label}: there is no table "${name}".`, field });
      return table;
    };
    /** Every address parameter of `to` needs a value; each value is a binding in `scope`. */
    const linkParams = (
      label: string,
      to: string,
      params: Record<string, string>,
      at: string,
      scope: Record<string, ValueType>,
    ) => {
      for (const p of pathParams(to))
        if (!params[p]?.trim())
          push({
            code: 'missing_param',
            message: `${label}: ${to} needs a value for "${p}".`,
            field: `${at}.params.${p}`,
          });
      for (const [p, value] of Object.entries(params)) binding(value, `${at}.params.${p}`, undefined, scope);
    };
    const check: BlockCheck = {
      ctx,
      link(to, params, field) {
        // The app's own pages (/, /orders, /subscriptions, /admin) answer without a page of the builder's.
        if (!ctx.paths.includes(to) && !FIXED_APP_PATHS.includes(to))
          push({
            code: 'unknown_page',
            message: `Link: there is no page at ${to} yet, so it would show "not found".`,
            field: `${field}.to`,
            severity: 'warning',
          });
        linkParams('Link', to, params, field, names);
      },
      table: findTable,
      column(table, name, field) {
        const ok = ['id', 'created_at', 'updated_at'].includes(name) || table.columns.some((c) => c.name === name);
        if (!ok) push({ code: 'unknown_column', message: `"${table.name}" has no column "${name}".`, field });
        return ok;
      },
      writable(table, name, field) {
        if (table.columns.some((c) => c.name === name && c.systemManaged))
          push({
            code: 'system_managed',
            message: `"${table.name}.${name}" is set by payments (what an order costs and its status), so people using the app cannot fill it in or change it. Remove it here; the app's Buy and the pay action set it from your catalog.`,
            field,
          });
      },
      binding: (value, field, expected) => binding(value, field, expected),
      issue: (code, message, field) => push({ code, message, field }),
      chain(chain: ActionChain, field: string, extra: Record<string, ValueType> = {}) {
        const chainNames: Record<string, ValueType> = { ...names, ...extra };
        const results: Record<string, ValueType> = {};
        const checkAction = (action: PageAction, at: string, scope: Record<string, ValueType>) => {
          const label = ACTION_LABELS[action.type];
          const need = permissionNeeded(action);
          const flowKnown =
            !('flow' in (need ?? {})) || ctx.flows.some((f) => f.id === (need as { flow: string }).flow);
          const flow = need && 'flow' in need ? ctx.flows.find((f) => f.id === need.flow) : undefined;
          if (flow) {
            const gone = flow.roles.filter((r) => !ctx.roles.includes(r));
            if (gone.length)
              push({
                code: 'unknown_role',
                message: `${label}: "${flow.name}" may be run by ${quoted(gone)}, which ${gone.length > 1 ? 'are no longer roles' : 'is no longer a role'}. Untick ${gone.length > 1 ? 'them' : 'it'} under the actionflow's trigger (Roles that may run it).`,
                field: `${at}.flowId`,
              });
          }
          if (flow && roles.length > 0 && !roles.some((r) => roleMay(r, action, ctx)))
            push({
              code: 'role_cannot',
              message: `${label}: "${flow.name}" may be run only by ${flow.roles.length ? quoted(flow.roles) : 'people who are signed in'}, and this page is open to ${quoted(roles, 'and')}${roles.includes('anonymous') ? ' (signed-out visitors cannot run an actionflow)' : ''}. Tick one of this page's roles under the actionflow's trigger, or limit the page to a role that may run it.`,
              field: at,
            });
          else if (need && !flow && flowKnown && roles.length > 0 && !roles.some((r) => roleMay(r, action, ctx)))
            push({
              code: 'role_cannot',
              message: `${label}: no role that can open this page may do this (${'flow' in need ? 'the actionflow lists other roles, and signed-out visitors cannot run one' : 'action' in need ? `the ${need.action.replace('stripe.', '')} permission` : `${need.operation} on "${need.table}"`}); open it in Permissions or limit the page to a role that may.`,
              field: at,
            });
          const b = (value: string | undefined, f: string, expected?: ValueType) =>
            value !== undefined && binding(value, `${at}.${f}`, expected, scope);
          switch (action.type) {
            case 'create_row':
            case 'update_row': {
              const table = findTable(action.table, `${at}.table`);
              if (action.type === 'update_row') b(action.rowId, 'rowId', t.number);
              if (!table) break;
              for (const [col, value] of Object.entries(action.values)) {
                const column = table.columns.find((c) => c.name === col);
                if (!column)
                  push({
                    code: 'unknown_column',
                    message: `"${table.name}" has no column "${col}".`,
                    field: `${at}.values.${col}`,
                  });
                else if (column.systemManaged) check.writable(table, col, `${at}.values.${col}`);
                else
                  b(
                    value,
                    `values.${col}`,
                    (rowValueType({ ...table, columns: [column] }) as { fields: Record<string, ValueType> }).fields[
                      col
                    ],
                  );
              }
              break;
            }
            case 'pay':
              b(action.orderId, 'orderId', t.number);
              b(action.product, 'product', t.number);
              break;
            case 'start_subscription':
              b(action.orderId, 'orderId', t.number);
              break;
            case 'cancel_subscription':
              b(action.subscriptionId, 'subscriptionId', t.number);
              break;
            case 'refund':
              b(action.paymentId, 'paymentId', t.number);
              b(action.amount, 'amount', t.number);
              b(action.reason, 'reason', t.string);
              break;
            case 'call_flow': {
              const flow = ctx.flows.find((f) => f.id === action.flowId);
              if (!flow) {
                push({
                  code: 'unknown_flow',
                  message: `${label}: that actionflow is gone or cannot be called from the app.`,
                  field: `${at}.flowId`,
                });
                break;
              }
              for (const [name, value] of Object.entries(action.inputs)) {
                if (!flow.inputs[name])
                  push({
                    code: 'binding',
                    message: `"${flow.name}" has no input "${name}".`,
                    field: `${at}.inputs.${name}`,
                  });
                else b(value, `inputs.${name}`, ioValueType(flow.inputs[name]));
              }
              for (const name of Object.keys(flow.inputs))
                if (action.inputs[name] === undefined)
                  push({
                    code: 'missing_param',
                    message: `"${flow.name}" needs its input "${name}".`,
                    field: `${at}.inputs`,
                  });
              break;
            }
            case 'navigate': {
              if (!ctx.paths.includes(action.to))
                push({
                  code: 'unknown_page',
                  message: `${label}: there is no page at ${action.to}.`,
                  field: `${at}.to`,
                });
              linkParams(label, action.to, action.params, at, scope);
              break;
            }
            case 'show_message':
              b(action.text, 'text', t.string);
              break;
            case 'sign_out':
              break;
          }
        };
        chain.steps.forEach((step, i) => {
          checkAction(step, `${field}.steps.${i}`, { ...chainNames, results: t.object({ ...results }) });
          const out = stepOutput(step, ctx);
          if ('id' in step && step.id && out) results[step.id] = out;
        });
        const after = { ...chainNames, results: t.object({ ...results }) };
        chain.onSuccess.forEach((a, i) => {
          checkAction(a, `${field}.onSuccess.${i}`, after);
        });
        chain.onFailure.forEach((a, i) => {
          checkAction(a, `${field}.onFailure.${i}`, { ...after, error: t.object({ message: t.string }) });
        });
      },
    };
    type.check?.(props, check);
    const childNames = type.provides ? { ...names, ...type.provides(props, ctx) } : names;
    for (const child of block.children ?? []) visit(child, childNames);
  };
  const names = pageNames(page.path);
  for (const block of page.blocks) visit(block, names);

  const text = JSON.stringify(page.blocks);
  for (const param of pathParams(page.path))
    if (!new RegExp(`page\\.params\\.${param}\\b`).test(text))
      issues.push({
        code: 'unused_param',
        message: `The address has ":${param}" but no block reads page.params.${param}.`,
        field: 'path',
        severity: 'warning',
      });
  return issues;
}

export const blockingIssues = (issues: PageIssue[]) => issues.filter((i) => i.severity === 'error');

/** One sentence for a refused publish. */
export function pageRefusedMessage(issues: PageIssue[]): string {
  const errors = blockingIssues(issues);
  const first = errors[0];
  return `This page cannot be published: ${first ? `${first.blockId ? `${first.blockId}: ` : ''}${first.message}` : 'it is not valid.'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
}

export { describeType };
