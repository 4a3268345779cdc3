"""The company glossary: its terms, their synonyms and acronyms, and what each means."""
