import { TableView } from '../_components/table-view';
import { TablesList } from '../_components/tables-list';

export default async function TablePage({ params }: { params: Promise<{ projectId: string; table: string }> }) {
  const { projectId, table } = await params;
  const name = decodeURIComponent(table);
  return (
    <div className="flex gap-6">
      <TablesList projectId={Number(projectId)} current={name} />
      <TableView projectId={Number(projectId)} tableName={name} />
    </div>
  );
}
