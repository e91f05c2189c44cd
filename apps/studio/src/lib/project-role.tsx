'use client';

import { createContext, useCallback, useContext } from 'react';
import type { MemberRole } from '~/lib/member-roles';
// The same policy table the server enforces (a pure module: roles and levels, no server code).
import { roleMayCall } from '~/server/teams/policy';

// The signed-in member's role in the open project, set by the project layout from their membership, so a
// screen shows only the buttons the role may use. Hiding is a courtesy: every call is still checked on the server.

const RoleContext = createContext<MemberRole | null>(null);

export function ProjectRoleProvider({ role, children }: { role: MemberRole; children: React.ReactNode }) {
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

/** The member's role here (null outside a project's pages). */
export function useProjectRole() {
  return useContext(RoleContext);
}

/**
 * `can('project.delete')`: may this member call that procedure (server/teams/policy.ts)? Outside a project's
 * pages (no role known) everything shows and the server decides.
 */
export function useCan() {
  const role = useContext(RoleContext);
  return useCallback((procedure: string) => (role ? roleMayCall(procedure, role) : true), [role]);
}
