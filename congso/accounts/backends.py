from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from congso.accounts.models import User


class UsernameEmailOrPhoneBackend(ModelBackend):
    """Log in with the username, the e-mail address or the phone number, and the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        ident = username.strip()
        query = Q(username=ident) | Q(email__iexact=ident) if "@" in ident else Q(username=ident) | Q(phone=ident)
        users = list(User.objects.filter(query)[:2])
        if len(users) != 1:
            User().set_password(password)  # same work as a real check: no timing difference
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
