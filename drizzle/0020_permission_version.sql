CREATE OR REPLACE FUNCTION public.tillflow_bump_permission_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  pid integer;
BEGIN
  IF TG_TABLE_NAME = 'data_role' THEN
    pid := CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END;
  ELSIF TG_TABLE_NAME = 'table_permission' THEN
    SELECT t.project_id INTO pid FROM public.data_table t
      WHERE t.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.table_id ELSE NEW.table_id END;
  ELSE
    SELECT r.project_id INTO pid FROM public.data_role r
      WHERE r.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.role_id ELSE NEW.role_id END;
  END IF;
  IF pid IS NOT NULL THEN
    UPDATE public.project SET metadata_version = nextval('public.project_metadata_version_seq') WHERE id = pid;
  END IF;
  RETURN NULL;
END
$fn$;--> statement-breakpoint
CREATE TRIGGER tillflow_permission_version AFTER INSERT OR UPDATE OR DELETE ON public.data_role
  FOR EACH ROW EXECUTE FUNCTION public.tillflow_bump_permission_version();--> statement-breakpoint
CREATE TRIGGER tillflow_permission_version AFTER INSERT OR UPDATE OR DELETE ON public.table_permission
  FOR EACH ROW EXECUTE FUNCTION public.tillflow_bump_permission_version();--> statement-breakpoint
CREATE TRIGGER tillflow_permission_version AFTER INSERT OR UPDATE OR DELETE ON public.action_permission
  FOR EACH ROW EXECUTE FUNCTION public.tillflow_bump_permission_version();
