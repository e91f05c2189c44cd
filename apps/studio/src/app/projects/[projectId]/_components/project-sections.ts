// The project's left navigation. Each capability adds its section here when it
// exists, so the nav never shows a page that is not built yet.
export interface ProjectSection {
  slug: string; // '' is the overview
  label: string;
}

export const projectSections: ProjectSection[] = [
  { slug: '', label: 'Overview' },
  { slug: 'data', label: 'Data' },
  { slug: 'permissions', label: 'Permissions' },
  { slug: 'users', label: 'Users' },
  { slug: 'payments', label: 'Payments' },
  { slug: 'flows', label: 'Automations' },
  { slug: 'pages', label: 'Pages' },
  { slug: 'events', label: 'Events' },
  { slug: 'app', label: 'App' },
  { slug: 'mailbox', label: 'Mailbox' },
  { slug: 'members', label: 'Members' },
  { slug: 'activity', label: 'Activity' },
];
