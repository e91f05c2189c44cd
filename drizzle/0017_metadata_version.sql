ALTER TABLE "project" ADD COLUMN "metadata_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE SEQUENCE IF NOT EXISTS "project_metadata_version_seq";--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.tillflow_bump_metadata_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  pid integer;
BEGIN
  IF TG_TABLE_NAME = 'data_table' THEN
    pid := CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END;
  ELSE
    SELECT t.project_id INTO pid FROM public.data_table t
      WHERE t.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.table_id ELSE NEW.table_id END;
  END IF;
  IF pid IS NOT NULL THEN
    UPDATE public.project SET metadata_version = nextval('public.project_metadata_version_seq') WHERE id = pid;
  END IF;
  RETURN NULL;
END
$fn$;--> statement-breakpoint
CREATE TRIGGER tillflow_metadata_version AFTER INSERT OR UPDATE OR DELETE ON public.data_table
  FOR EACH ROW EXECUTE FUNCTION public.tillflow_bump_metadata_version();--> statement-breakpoint
CREATE TRIGGER tillflow_metadata_version AFTER INSERT OR UPDATE OR DELETE ON public.data_column
  FOR EACH ROW EXECUTE FUNCTION public.tillflow_bump_metadata_version();
