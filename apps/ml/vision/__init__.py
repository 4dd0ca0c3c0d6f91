"""Bet-slip OCR (issue #16 item 4): image quality, face blurring, OpenCV preprocessing, Tesseract, then the
bet-text parser. `services.bet_slip_read` is the entry point; `synthetic` draws the slips the tests and the
bench read (generated, never downloaded)."""
