"""What a browser asks: views, forms, URLs, downloads and ZIP archives."""
