import { TableView } from '../_components/table-view';
import { TablesList } from '../_components/tables-list';

export default async function TablePage({ params }: { params: Promise<{ projectId: string; table: string }> }) {
  const { projectId, table } = await params;
  const name = decodeURIComponent(table);
  return (
    <div className="flex flex-col gap-6 md:flex-row">
      <TablesList projectId={Number(projectId)} current={name} />
      <TableView projectId={Number(projectId)} tableName={name} />
    </div>
  );
}
