"""The processes blueprint, shared by the process views and the page views."""

from flask import Blueprint

bp = Blueprint("processes", __name__)
