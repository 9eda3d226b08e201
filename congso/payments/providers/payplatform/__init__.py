"""The national online Payment Platform (Nền tảng thanh toán trực tuyến của Cổng DVCQG), domain §7."""
