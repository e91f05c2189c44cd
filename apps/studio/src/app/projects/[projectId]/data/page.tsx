import { TablesList } from './_components/tables-list';

export default async function DataPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <TablesList projectId={Number(projectId)} />
      <div className="flex-1 space-y-2">
        <h1 className="text-2xl font-semibold">Data</h1>
        <p className="text-sm text-slate-600">
          Each table keeps one kind of thing, such as your products or your orders. Pick a table on the left or create
          one.
        </p>
      </div>
    </div>
  );
}
