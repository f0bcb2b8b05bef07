"""The closed evaluation area (封闭评标): access.py (the gate every page, endpoint and service
calls), viewer.py (the bid viewer, decrypting as it reads), services.py (bid codes for an
anonymous technical evaluation), selectors.py, api.py, views.py (docs/evaluation.md)."""
