public enum OshiraseDRMPlaceholder {}
