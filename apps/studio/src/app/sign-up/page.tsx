import { AuthForm } from '~/components/ui/auth-form';

export default function SignUpPage() {
  return <AuthForm mode="sign-up" />;
}
