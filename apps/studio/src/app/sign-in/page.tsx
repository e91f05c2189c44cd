import { AuthForm } from '~/components/ui/auth-form';

export default function SignInPage() {
  return <AuthForm mode="sign-in" />;
}
