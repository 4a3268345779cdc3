"""Company sign-in through an OpenID provider (Entra ID, Google, Keycloak...): the one module that
talks to it, through Authlib's Flask client. The authorization code flow with PKCE (S256), state
and nonce; the ID token's signature, issuer, audience, expiry and nonce are checked by Authlib,
never by hand. Loaded only by a wiki that has a provider configured."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749.errors import MissingCodeException
from flask import current_app
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from wiki.auth.company import roles_from_groups
from wiki.errors import CompanySignInUnavailable, SignInRefused
from wiki.textutil import clean_line

PROVIDER_DOWN = "the company's sign-in service does not answer"
START_AGAIN = "Start again from the sign-in page."


@dataclass(frozen=True)
class ProviderPerson:
    """Who the provider's ID token says signed in, and what the wiki makes of their claims."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    # The wiki roles the person's groups map to; empty when a map is set and none matches.
    roles: tuple[str, ...]
    # False without a role map: then a new account starts as a member and the wiki's admins
    # give roles, which later sign-ins leave alone.
    roles_managed: bool


class Provider:
    """The OpenID provider an app is configured for (`WIKI_OIDC_*`)."""

    def __init__(self, config: dict):
        self.issuer = config["OIDC_ISSUER"]
        self.groups_claim = config["OIDC_GROUPS_CLAIM"]
        self.verified_claim = config["OIDC_EMAIL_VERIFIED_CLAIM"]
        self.role_map = config["OIDC_ROLE_MAP"] or {}
        settings = (
            self.issuer,
            config["OIDC_CLIENT_ID"],
            config["OIDC_CLIENT_SECRET"],
            config["OIDC_SCOPES"],
            config["OIDC_TIMEOUT"],
        )
        # One Authlib client per app and settings: it keeps the provider's discovery document
        # and keys between sign-ins (and fetches the keys again when the provider rotates them).
        clients = current_app.extensions.setdefault("wiki_oidc_clients", {})
        if settings not in clients:
            clients[settings] = OAuth(current_app).register(
                "company",
                client_id=settings[1],
                client_secret=settings[2],
                server_metadata_url=self.issuer.rstrip("/") + "/.well-known/openid-configuration",
                client_kwargs={
                    "scope": settings[3],
                    "code_challenge_method": "S256",
                    "default_timeout": settings[4],
                },
            )
        self.client = clients[settings]

    def start(self, redirect_uri: str):
        """The redirect to the provider's sign-in; state, nonce and the PKCE verifier wait in
        the session for the way back."""
        try:
            return self.client.authorize_redirect(redirect_uri, nonce=secrets.token_urlsafe(24))
        except requests.RequestException as error:
            raise CompanySignInUnavailable(PROVIDER_DOWN) from error

    def finish(self) -> ProviderPerson:
        """The person the provider sent back to the callback, once the code is exchanged and
        the ID token checked; SignInRefused (with the reason for the audit trail) otherwise."""
        try:
            # Authlib checks the audience only through `azp` unless told to: a token made for
            # another app that names the wiki as its `azp` would pass.
            token = self.client.authorize_access_token(
                claims_options={
                    "iss": {"essential": True, "values": [self.issuer]},
                    "aud": {"essential": True, "values": [self.client.client_id]},
                }
            )
        except MismatchingStateError as error:
            raise SignInRefused(
                "wrong state",
                "This sign-in was not started from this browser, or its answer was already "
                f"used. {START_AGAIN}",
            ) from error
        except OAuthError as error:
            raise SignInRefused(
                f"the provider refused: {error.error}",
                f"Your company's sign-in service refused this sign-in ({error.error}). "
                f"{START_AGAIN}",
            ) from error
        except MissingCodeException as error:
            raise SignInRefused(
                "no code", f"The sign-in answer had no code to exchange. {START_AGAIN}"
            ) from error
        except OAuth2Error as error:  # any other answer the OAuth rules do not allow
            raise SignInRefused(
                f"the answer: {error.error}",
                f"The sign-in answer could not be used ({error.error}). {START_AGAIN}",
            ) from error
        except ExpiredTokenError as error:
            raise SignInRefused(
                "ID token expired", f"The sign-in answer had expired. {START_AGAIN}"
            ) from error
        except ClaimError as error:
            raise SignInRefused(
                f"ID token: wrong {error.claim}",
                "The sign-in answer was not meant for this wiki or this sign-in "
                f"(its {error.claim} is wrong). {START_AGAIN}",
            ) from error
        except JoseError as error:  # a bad signature, a key it does not publish...
            raise SignInRefused(
                f"ID token: {error.error}",
                f"The sign-in answer could not be verified. {START_AGAIN}",
            ) from error
        except requests.RequestException as error:
            raise CompanySignInUnavailable(PROVIDER_DOWN) from error
        claims = token.get("userinfo")
        if claims is None:  # a token answer without an ID token has nothing to check
            raise SignInRefused("no ID token", f"The sign-in answer had no ID token. {START_AGAIN}")
        email = clean_line(str(claims.get("email") or "")).lower()
        groups = claims.get(self.groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        return ProviderPerson(
            issuer=self.issuer,
            subject=str(claims["sub"]),
            email=email,
            email_verified=claims.get(self.verified_claim) is True,
            name=clean_line(str(claims.get("name") or "")) or email,
            roles=roles_from_groups([str(group) for group in groups], self.role_map),
            roles_managed=bool(self.role_map),
        )
