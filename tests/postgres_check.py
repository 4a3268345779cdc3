"""Exit 0 when PostgreSQL answers at the URL given; otherwise say loudly why its pass is skipped."""

import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means: skip, and say why
        print(f"*** PostgreSQL pass SKIPPED: no database answered at {url}: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
