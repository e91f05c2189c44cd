// A project member's roles, their names and what each may do, in words (the policy that enforces them is
// server/teams/policy.ts). Pure, so the browser imports it too.

export const MEMBER_ROLES = ['owner', 'editor', 'finance', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const ROLE_LABELS: Record<MemberRole, string> = {
  owner: 'Owner',
  editor: 'Editor',
  finance: 'Finance',
  viewer: 'Viewer',
};

export const ROLE_DESCRIPTIONS: Record<MemberRole, string> = {
  owner: 'Everything, including Stripe keys, members and deleting the project',
  editor: 'Data, permissions, automations and pages, and publishing them; not keys, members or deleting',
  finance: 'Payments dashboard, refunds and checking against Stripe; reads everything else',
  viewer: 'Reads everything, changes nothing',
};
